package org.rlhf4j.policy.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks one token from a row of logits. {@link #distribution} is the exact distribution sampled from (temperature,
 * then top-k, then top-p, renormalised), exposed so tests can compare it with a hand computation.
 */
public final class Sampler {
    private Sampler() {}

    /** A chosen id and its log-probability under softmax(logits / temperature), the policy PPO optimises. */
    public record Pick(int id, double logprob) {}

    public static Pick pick(float[] logits, SamplingConfig cfg, SplittableRandom rng) {
        double[] logp = logSoftmax(logits, cfg.temperature());
        int id;
        if (cfg.greedy()) {
            id = argmax(logp);
        } else {
            double[] p = distribution(logp, cfg.topK(), cfg.topP());
            double u = rng.nextDouble(), acc = 0;
            id = -1;
            for (int i = 0; i < p.length; i++) {
                if (p[i] == 0) continue;
                id = i;
                acc += p[i];
                if (u < acc) break;
            }
        }
        return new Pick(id, logp[id]);
    }

    /** Log-softmax of logits / temperature, in double precision. */
    public static double[] logSoftmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l / temperature);
        double sum = 0;
        for (float l : logits) sum += Math.exp(l / temperature - max);
        double lse = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) out[i] = logits[i] / temperature - lse;
        return out;
    }

    /** The sampling distribution from log-probs: keep the top k (ties broken by lower id), then the nucleus p. */
    public static double[] distribution(double[] logp, int topK, double topP) {
        int n = logp.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> logp[a] != logp[b] ? Double.compare(logp[b], logp[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, n) : n;
        double mass = 0;
        for (int i = 0; i < keep; i++) mass += Math.exp(logp[order[i]]);
        if (topP < 1.0) {
            double acc = 0;
            int nucleus = 0;
            while (nucleus < keep) {
                acc += Math.exp(logp[order[nucleus]]) / mass;
                nucleus++;
                if (acc >= topP - 1e-12) break;
            }
            keep = nucleus;
        }
        double[] p = new double[n];
        double total = 0;
        for (int i = 0; i < keep; i++) total += Math.exp(logp[order[i]]);
        for (int i = 0; i < keep; i++) p[order[i]] = Math.exp(logp[order[i]]) / total;
        return p;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
