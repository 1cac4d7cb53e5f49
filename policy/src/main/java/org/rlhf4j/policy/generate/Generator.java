package org.rlhf4j.policy.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.rlhf4j.policy.engine.Decoder;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.Tokenizer;

/**
 * Batched, seeded sampling with a key/value cache ({@link Decoder}, on the training engine's kernels): one forward over the (left-padded) prompts, then one single-token
 * step per new token. Row i draws from its own random stream derived from (seed, i), so a row's output does not
 * depend on which other prompts share its batch.
 */
public final class Generator {
    /** Why a row stopped. */
    public enum Finish { EOS, STOP_SEQUENCE, LENGTH }

    /**
     * The sampled responses.
     *
     * @param tokens   per row, the new ids (the EOS that ended a row is included)
     * @param logprobs per row, log π(token) under softmax(logits / temperature) at each new position
     * @param finish   per row, why it stopped
     */
    public record Result(List<int[]> tokens, List<float[]> logprobs, List<Finish> finish) {
        public boolean endedWithEos(int row) {
            return finish.get(row) == Finish.EOS;
        }
    }

    private final GptWeights weights;
    private final Tokenizer tokenizer;
    private final int contextLength;

    public Generator(GptWeights weights, Tokenizer tokenizer, int contextLength) {
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
    }

    public Result generate(List<int[]> prompts, SamplingConfig cfg, long seed) {
        long[] seeds = new long[prompts.size()];
        for (int i = 0; i < seeds.length; i++) seeds[i] = rowSeed(seed, i);
        return generate(prompts, cfg, seeds);
    }

    /** The stream seed of row {@code i} under batch seed {@code seed}. */
    public static long rowSeed(long seed, long i) {
        return seed * 0x9E3779B97F4A7C15L + i;
    }

    /** Samples with one explicit seed per row (so a prompt's sample does not depend on how prompts are batched). */
    public Result generate(List<int[]> prompts, SamplingConfig cfg, long[] rowSeeds) {
        int b = prompts.size();
        int promptLen = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        if (promptLen == 0) throw new IllegalArgumentException("every prompt needs at least one token");
        int maxNew = Math.min(cfg.maxNewTokens(), contextLength - promptLen);
        if (maxNew < 1) throw new IllegalArgumentException("prompt of " + promptLen + " tokens leaves no room in a context of " + contextLength);

        SplittableRandom[] rng = new SplittableRandom[b];
        for (int i = 0; i < b; i++) rng[i] = new SplittableRandom(rowSeeds[i]);
        List<List<Integer>> out = new ArrayList<>();
        List<List<Float>> lps = new ArrayList<>();
        Finish[] finish = new Finish[b];
        for (int i = 0; i < b; i++) {
            out.add(new ArrayList<>());
            lps.add(new ArrayList<>());
        }

        try (Decoder decoder = new Decoder(weights, b, promptLen + maxNew)) {
            TokenBatch batch = TokenBatch.leftPadded(prompts, promptLen);
            decoder.advance(batch.ids, batch.positions, batch.realFlags());  // prefill; rows end at the same column
            float[][] logits = decoder.lastLogits();                         // (B, V) at each row's last prompt token

            int[][] next = new int[b][1];
            int[][] pos = new int[b][1];
            boolean[][] real = new boolean[b][1];
            double[] work = new double[logits.length == 0 ? 0 : logits[0].length];
            for (int step = 0; step < maxNew; step++) {
                boolean anyActive = false;
                for (int i = 0; i < b; i++) {
                    real[i][0] = false;
                    next[i][0] = 0;
                    pos[i][0] = 0;
                    if (finish[i] != null) continue;
                    Sampler.Pick pick = pick(logits[i], cfg, rng[i], work);
                    out.get(i).add(pick.id());
                    lps.get(i).add((float) pick.logprob());
                    if (!cfg.ignoreEos() && pick.id() == tokenizer.eos()) finish[i] = Finish.EOS;
                    else if (hitStop(out.get(i), cfg.stop())) finish[i] = Finish.STOP_SEQUENCE;
                    else if (out.get(i).size() == maxNew) finish[i] = Finish.LENGTH;
                    else {
                        anyActive = true;
                        next[i][0] = pick.id();
                        pos[i][0] = prompts.get(i).length + step;
                        real[i][0] = true;
                    }
                }
                if (!anyActive) break;
                decoder.advance(next, pos, real);
                logits = decoder.lastLogits(); // (B, V)
            }
        }
        List<int[]> tokens = new ArrayList<>();
        List<float[]> logprobs = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            tokens.add(out.get(i).stream().mapToInt(Integer::intValue).toArray());
            float[] lp = new float[lps.get(i).size()];
            for (int j = 0; j < lp.length; j++) lp[j] = lps.get(i).get(j);
            logprobs.add(lp);
        }
        return new Result(tokens, logprobs, Arrays.asList(finish));
    }

    /**
     * {@link Sampler#pick}, with a fast path for plain sampling (no greedy, top-k or top-p): the same distribution,
     * softmax(logits / temperature), drawn by the same walk over ids in ascending order with the same uniform draw,
     * but without sorting the vocabulary (Sampler sorts it for top-k/top-p; at V = 8192 that sort cost more than the
     * model's forward step). Rounding differs from Sampler's (normaliser summed in id order, not by
     * probability), so a pick can differ only when u falls within ~1e-16 of a cumulative boundary.
     */
    static Sampler.Pick pick(float[] logits, SamplingConfig cfg, SplittableRandom rng, double[] work) {
        if (cfg.greedy() || cfg.topK() > 0 || cfg.topP() < 1.0) return Sampler.pick(logits, cfg, rng);
        double temperature = cfg.temperature(), max = Double.NEGATIVE_INFINITY;
        int v = logits.length;
        for (int i = 0; i < v; i++) max = Math.max(max, logits[i] / temperature);
        double sum = 0;
        for (int i = 0; i < v; i++) {
            work[i] = Math.exp(logits[i] / temperature - max);
            sum += work[i];
        }
        double lse = max + Math.log(sum);
        double u = rng.nextDouble(), acc = 0;
        int id = -1;
        for (int i = 0; i < v; i++) {
            double e = work[i] / sum; // Sampler's p = exp(logp) / Σ exp(logp)
            if (e == 0) continue;
            id = i;
            acc += e;
            if (u < acc) break;
        }
        return new Sampler.Pick(id, logits[id] / temperature - lse);
    }

    private boolean hitStop(List<Integer> ids, List<String> stops) {
        if (stops.isEmpty()) return false;
        String text = tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray());
        for (String s : stops) if (!s.isEmpty() && text.contains(s)) return true;
        return false;
    }
}
