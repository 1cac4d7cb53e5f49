package org.rlhf4j.reward;

import org.rlhf4j.data.rank.LossMode;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.policy.config.OptionalKey;
import org.rlhf4j.policy.config.Validated;
import org.rlhf4j.policy.train.LoopConfig;

/**
 * {@code ./rlhf4j reward}: trains the reward model, i.e. the SFT policy's backbone with a scalar reward head read at
 * the EOS that closes prompt + response, on K-way rankings with the pairwise loss −log σ(r_w − r_l − margin).
 *
 * <p>Batching is by prompt: {@code loop.batch_size} is the number of <em>prompts</em> (rankings) per optimizer step and
 * {@code loop.micro_batch_size} the number of prompts per forward/backward pass; a micro-batch holds Σ K_i rows (one
 * per response), never one row per pair. (There are deliberately no separate "prompts_per_step"/"micro_prompts" keys:
 * the loop's two keys already say it, and two keys for one quantity could disagree.)
 *
 * @param sft           the SFT checkpoint directory the reward model starts from (its reward head is added, seeded by
 *                      {@code seed}, unless the checkpoint already has one)
 * @param train         training rankings (a path or {@code embedded:NAME}); validated by the shared data loader
 *                      (K in 2..9, a permutation, distinct non-empty responses)
 * @param validation    held-out rankings: pairwise accuracy against the annotators (picks "best") and against the gold
 *                      judge, per task family and per rank distance, and a calibration table
 * @param normalizeOn   SFT dialogues whose single-turn (user, assistant) demonstrations define reward 0 after training;
 *                      optional, default {@code embedded:sft.validation.jsonl.gz}
 * @param normalizeStd  also scale rewards to unit standard deviation on those demonstrations; optional, default false
 * @param mode          "grouped" (InstructGPT: each prompt weighs the same), "independent" (each pair weighs the same)
 *                      or "plackett_luce" (the listwise likelihood of the whole ranking; each prompt weighs the same)
 * @param margin        subtracted from r_w − r_l inside the log-sigmoid; optional, default 0 (must be 0 for plackett_luce)
 * @param seqLen        tokens per training row; rankings with a rendered response longer than this are dropped and
 *                      counted in the summary
 * @param evalRankings  validation rankings scored at each evaluation (the first N)
 * @param seed          data order and reward-head initialisation
 * @param loop          schedule and optimiser (batch sizes in prompts, see above)
 */
public record RewardConfig(@JsonProperty("sft") String sft,
                           @JsonProperty("train") String train,
                           @JsonProperty("validation") String validation,
                           @OptionalKey @JsonProperty("normalize_on") String normalizeOn,
                           @OptionalKey @JsonProperty("normalize_std") Boolean normalizeStd,
                           @JsonProperty("mode") LossMode mode,
                           @OptionalKey @JsonProperty("margin") Double margin,
                           @JsonProperty("seq_len") int seqLen,
                           @JsonProperty("eval_rankings") int evalRankings,
                           @JsonProperty("seed") long seed,
                           @JsonProperty("loop") LoopConfig loop) implements Validated {

    public static final String DEFAULT_NORMALIZE_ON = "embedded:sft.validation.jsonl.gz";

    public RewardConfig {
        if (normalizeOn == null) normalizeOn = DEFAULT_NORMALIZE_ON;
        if (normalizeStd == null) normalizeStd = false;
        if (margin == null) margin = 0.0;
    }

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (sft.isBlank()) p.add(prefix + "sft: expected an SFT checkpoint directory");
        if (train.isBlank()) p.add(prefix + "train: expected a rankings file");
        if (validation.isBlank()) p.add(prefix + "validation: expected a rankings file");
        if (normalizeOn.isBlank()) p.add(prefix + "normalize_on: expected an SFT dialogues file");
        if (!(Double.isFinite(margin) && margin >= 0)) p.add(prefix + "margin: expected a finite number >= 0, got " + margin);
        else if (mode == LossMode.PLACKETT_LUCE && margin != 0)
            p.add(prefix + "margin: expected 0 with mode plackett_luce (the listwise loss has no margin), got " + margin);
        if (seqLen < 2) p.add(prefix + "seq_len: expected >= 2, got " + seqLen);
        if (evalRankings < 1) p.add(prefix + "eval_rankings: expected >= 1, got " + evalRankings);
        p.addAll(loop.problems(prefix + "loop."));
        return p;
    }
}
