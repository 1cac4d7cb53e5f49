package org.rlhf4j.dpo;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.rank.LossMode;
import org.rlhf4j.policy.config.Validated;
import org.rlhf4j.policy.train.LoopConfig;

/**
 * {@code ./rlhf4j dpo}: offline preference optimisation of the SFT policy on the same K-way rankings the reward model
 * learns from, with the SFT model as the frozen reference. Batching is by prompt, as for the reward model:
 * {@code loop.batch_size} rankings per optimizer step, {@code loop.micro_batch_size} rankings per forward/backward.
 *
 * @param sft          the SFT checkpoint: the starting policy and the frozen reference
 * @param train        training rankings (a path or {@code embedded:NAME})
 * @param validation   held-out rankings: the implicit reward β·(log π − log π_ref) of each response is scored like a
 *                     reward model (pairwise accuracy against the annotators and the gold judge)
 * @param loss         "dpo" (logistic, −log σ(β·m)) or "ipo" (squared, (m − 1/(2β))²)
 * @param beta         the strength of the pull towards the reference, > 0
 * @param pairs        "grouped" (each ranking's C(K,2) pairs form one batch element) or "independent" (each pair
 *                     weighs the same)
 * @param seqLen       tokens per row; rankings with a longer rendered response are dropped and counted
 * @param evalRankings validation rankings scored at each evaluation (the first N)
 * @param seed         data order
 * @param loop         schedule and optimiser (batch sizes in rankings)
 */
public record DpoConfig(@JsonProperty("sft") String sft,
                        @JsonProperty("train") String train,
                        @JsonProperty("validation") String validation,
                        @JsonProperty("loss") PreferenceLoss loss,
                        @JsonProperty("beta") double beta,
                        @JsonProperty("pairs") LossMode pairs,
                        @JsonProperty("seq_len") int seqLen,
                        @JsonProperty("eval_rankings") int evalRankings,
                        @JsonProperty("seed") long seed,
                        @JsonProperty("loop") LoopConfig loop) implements Validated {

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (sft.isBlank()) p.add(prefix + "sft: expected an SFT checkpoint directory");
        if (train.isBlank()) p.add(prefix + "train: expected a rankings file");
        if (validation.isBlank()) p.add(prefix + "validation: expected a rankings file");
        if (!(Double.isFinite(beta) && beta > 0)) p.add(prefix + "beta: expected a finite number > 0, got " + beta);
        if (pairs == LossMode.PLACKETT_LUCE) p.add(prefix + "pairs: expected grouped or independent, got plackett_luce");
        if (seqLen < 2) p.add(prefix + "seq_len: expected >= 2, got " + seqLen);
        if (evalRankings < 1) p.add(prefix + "eval_rankings: expected >= 1, got " + evalRankings);
        p.addAll(loop.problems(prefix + "loop."));
        return p;
    }
}
