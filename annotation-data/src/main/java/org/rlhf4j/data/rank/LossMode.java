package org.rlhf4j.data.rank;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a stage that learns from K-way rankings turns each ranking into a loss (the reward model's {@code mode}, DPO's
 * {@code pairs}). The two pair modes form all C(K,2) pairs of each ranking and differ only in the weight of each pair
 * ({@link PairBatch}); {@link #PLACKETT_LUCE} is the listwise likelihood of the whole ranking (the reward model's
 * {@code PlackettLuce}; DPO accepts the pair modes only).
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
    @JsonProperty("independent") INDEPENDENT,
    /**
     * The Plackett-Luce likelihood of the whole K-way ranking σ: −Σ_j log(exp r_σ(j) / Σ_{k≥j} exp r_σ(k)), "pick the
     * best of what is left" K−1 times. Each prompt weighs the same (weight 1/prompts in the step), as in
     * {@link #GROUPED}; at K = 2 it is exactly the pairwise loss.
     */
    @JsonProperty("plackett_luce") PLACKETT_LUCE;

    /** Whether the loss is over pairs (grouped, independent) rather than over whole rankings. */
    public boolean pairwise() {
        return this != PLACKETT_LUCE;
    }
}
