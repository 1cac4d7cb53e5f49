package org.rlhf4j.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * From a response's scalar score to per-token rewards, as pure functions. The order, applied by
 * {@link #finalScores}: (1) optional running normalisation of the scorer's output, (2) the EOS trick (a response that
 * never emitted EOS gets the configured penalty instead of its score), (3) optional clipping to ±clip. Then
 * {@link #perToken}: every response token gets −β·(log π − log π_ref) and the last one also gets the score.
 */
public final class Rewards {
    private Rewards() {}

    /**
     * The EOS trick: rows without EOS get {@code penalty} INSTEAD of their score (the reward model was trained to be
     * read at an EOS, so its reading of a truncated response means nothing). A null penalty leaves scores unchanged.
     */
    public static double[] withMissingEosPenalty(double[] scores, boolean[] eos, Double penalty) {
        double[] out = scores.clone();
        if (penalty == null) return out;
        for (int i = 0; i < out.length; i++) if (!eos[i]) out[i] = penalty;
        return out;
    }

    /** x clipped to [−c, c]; c = 0 means no clipping. */
    public static double clip(double x, double c) {
        return c > 0 ? Math.max(-c, Math.min(c, x)) : x;
    }

    /**
     * The score each response's last token receives. With normalisation, the running statistics are first updated
     * with this batch's scores of the rows that keep them (rows replaced by the EOS penalty are left out), then every
     * kept score becomes (s − mean) / std.
     */
    public static double[] finalScores(double[] raw, boolean[] eos, PpoConfig.Reward cfg, RunningMoments stats) {
        double[] s = raw.clone();
        if (cfg.normalize()) {
            for (int i = 0; i < s.length; i++) if (eos[i] || cfg.missingEosPenalty() == null) stats.add(raw[i]);
            double std = Math.max(stats.std(), 1e-8);
            for (int i = 0; i < s.length; i++) s[i] = (raw[i] - stats.mean()) / std;
        }
        s = withMissingEosPenalty(s, eos, cfg.missingEosPenalty());
        for (int i = 0; i < s.length; i++) s[i] = clip(s[i], cfg.clip());
        return s;
    }

    /**
     * (B, L) per-token rewards: −β·(logπ_t − logπ_ref,t) at every real response token, plus {@code score[b]} at the
     * last real token of row b; 0 at padding.
     */
    public static double[][] perToken(double[][] logprobs, double[][] refLogprobs, boolean[][] mask, double[] score, double beta) {
        double[][] r = new double[logprobs.length][];
        for (int b = 0; b < logprobs.length; b++) {
            r[b] = new double[logprobs[b].length];
            int last = -1;
            for (int t = 0; t < logprobs[b].length; t++) {
                if (!mask[b][t]) continue;
                r[b][t] = -beta * (logprobs[b][t] - refLogprobs[b][t]);
                last = t;
            }
            if (last >= 0) r[b][last] += score[b];
        }
        return r;
    }

    /** Running mean and variance of every score seen (Chan et al.'s parallel update); stored in the trainer state. */
    public static final class RunningMoments {
        private long count;
        private double mean, m2;

        public void add(double x) {
            count++;
            double d = x - mean;
            mean += d / count;
            m2 += d * (x - mean);
        }

        public long count() {
            return count;
        }

        public double mean() {
            return mean;
        }

        /** Population standard deviation (1 before two values have been seen). */
        public double std() {
            return count < 2 ? 1.0 : Math.sqrt(m2 / count);
        }

        public ObjectNode toJson() {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("count", count);
            o.put("mean", mean);
            o.put("m2", m2);
            return o;
        }

        public static RunningMoments fromJson(JsonNode n) {
            RunningMoments m = new RunningMoments();
            if (n == null || n.isMissingNode()) return m;
            m.count = n.path("count").asLong();
            m.mean = n.path("mean").asDouble();
            m.m2 = n.path("m2").asDouble();
            return m;
        }
    }
}
