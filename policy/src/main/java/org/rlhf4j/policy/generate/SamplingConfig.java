package org.rlhf4j.policy.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * How to pick each next token.
 *
 * @param temperature  logits are divided by this before softmax; the returned log-probs use the same temperature
 * @param topK         keep only the k most likely ids (0 = off)
 * @param topP         nucleus: keep the smallest most-likely set whose mass reaches p (1 = off)
 * @param greedy       take the arg-max instead of sampling
 * @param maxNewTokens stop after this many new tokens
 * @param stop         stop once the decoded response contains any of these strings
 * @param ignoreEos    keep sampling after an EOS (it is kept as an ordinary token): every row then gets exactly
 *                     maxNewTokens tokens unless a stop string ends it. For benchmarks, which must do a fixed amount
 *                     of work as PyTorch's peer does; false everywhere else.
 */
public record SamplingConfig(double temperature, int topK, double topP, boolean greedy, int maxNewTokens, List<String> stop, boolean ignoreEos) {
    public SamplingConfig {
        List<String> p = new ArrayList<>();
        if (!(temperature > 0)) p.add("temperature: expected > 0, got " + temperature);
        if (topK < 0) p.add("top_k: expected >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) p.add("top_p: expected in (0, 1], got " + topP);
        if (maxNewTokens < 1) p.add("max_new_tokens: expected >= 1, got " + maxNewTokens);
        if (!p.isEmpty()) throw new IllegalArgumentException(String.join("; ", p));
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    /** The usual form: generation stops at EOS. */
    public SamplingConfig(double temperature, int topK, double topP, boolean greedy, int maxNewTokens, List<String> stop) {
        this(temperature, topK, topP, greedy, maxNewTokens, stop, false);
    }

    public static SamplingConfig sample(double temperature, int maxNewTokens) {
        return new SamplingConfig(temperature, 0, 1.0, false, maxNewTokens, List.of());
    }

    public static SamplingConfig greedy(int maxNewTokens) {
        return new SamplingConfig(1.0, 0, 1.0, true, maxNewTokens, List.of());
    }

    public SamplingConfig withTopK(int k) {
        return new SamplingConfig(temperature, k, topP, greedy, maxNewTokens, stop, ignoreEos);
    }

    public SamplingConfig withTopP(double p) {
        return new SamplingConfig(temperature, topK, p, greedy, maxNewTokens, stop, ignoreEos);
    }

    public SamplingConfig withStop(List<String> s) {
        return new SamplingConfig(temperature, topK, topP, greedy, maxNewTokens, s, ignoreEos);
    }

    public SamplingConfig withIgnoreEos(boolean ignore) {
        return new SamplingConfig(temperature, topK, topP, greedy, maxNewTokens, stop, ignore);
    }
}
