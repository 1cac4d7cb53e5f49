package org.rlhf4j.reward;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the pairwise losses of a batch are averaged. Both modes score every response once and form all C(K,2) pairs of
 * each ranking; they differ only in the weight of each pair.
 */
public enum LossMode {
    /**
     * InstructGPT §3.5: all C(K,2) pairs of one prompt form one batch element. A prompt's loss is the mean of its pair
     * losses and the batch loss is the mean over prompts, so every prompt counts equally whatever its K.
     * Pair weight: 1 / (C(K_i, 2) · prompts in the step).
     */
    @JsonProperty("grouped") GROUPED,
    /**
     * Each pair is its own example (as TRL and OpenRLHF train on pairs): the batch loss is the mean over all pairs, so a
     * prompt with K = 9 (36 pairs) counts 36 times as much as one with K = 2. Pair weight: 1 / (pairs in the step).
     */
    @JsonProperty("independent") INDEPENDENT
}
