package org.rlhf4j.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.policy.config.OptionalKey;
import org.rlhf4j.policy.config.Validated;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * {@code ./rlhf4j run}: the whole recipe. Each stage names its own config file plus overrides; the pipeline fills in
 * the paths that chain the stages (base → SFT → rankings → reward model → PPO and PPO-ptx → evaluation), so a stage
 * config stays usable on its own.
 *
 * @param base     the shipped base checkpoint (pretrained by {@code ./rlhf4j pretrain --config configs/pretrain.json})
 * @param sft      the SFT stage
 * @param rankings how the reward model's K-way rankings are made
 * @param reward   the reward-model stage
 * @param ppo      PPO without the pretraining mix
 * @param ppoPtx   PPO-ptx
 * @param eval     the evaluation
 * @param rewardCheckpoint optional, "best" (default) or "last": the reward stage's checkpoint that PPO, PPO-ptx and
 *                 the evaluation use. "best" is chosen by validation accuracy against the annotators, which on a few
 *                 hundred pairs at ~55 % cannot tell checkpoints apart; the quickstart uses "last" (measured in the
 *                 README: with the same reward run, PPO reached 0.530 and 0.536 held-out gold from "last", 0.487 and
 *                 0.503 from "best", against SFT's 0.478 and 0.506, for two PPO seeds)
 */
public record RunConfig(@JsonProperty("base") String base, @JsonProperty("sft") StageRef sft,
                        @JsonProperty("rankings") Rankings rankings, @JsonProperty("reward") StageRef reward,
                        @JsonProperty("ppo") StageRef ppo, @JsonProperty("ppo_ptx") StageRef ppoPtx,
                        @JsonProperty("eval") StageRef eval,
                        @OptionalKey @JsonProperty("reward_checkpoint") String rewardCheckpoint) implements Validated {

    /** The reward stage's checkpoint directory name that later stages use: "best" unless the config says "last". */
    public String rewardCheckpointOrDefault() {
        return rewardCheckpoint == null ? TrainLoop.BEST : rewardCheckpoint;
    }

    /** A stage's config file and {@code key=value} overrides applied on top of it. */
    public record StageRef(@JsonProperty("config") String config, @JsonProperty("set") List<String> set) {}

    /**
     * The reward model's training data.
     *
     * @param source            "simulate": sample K responses per prompt from the SFT policy and have the simulated annotator
     *                          pool rank them; "shipped": use the files below
     * @param promptsTrain      prompts whose rankings train the reward model
     * @param promptsValidation prompts whose rankings measure it
     * @param trainLimit        first N training prompts (0 = all)
     * @param validationLimit   first N validation prompts (0 = all)
     * @param k                 responses per prompt (2..9)
     * @param sampling          how the K responses are sampled
     * @param seed              sampling and annotator seed
     * @param shippedTrain      rankings file when source is "shipped"
     * @param shippedValidation rankings file when source is "shipped"
     * @param temperatures      optional: sample K / n responses at each of these n temperatures instead of all K at
     *                          sampling.temperature. InstructGPT ranked outputs of several models; a spread of
     *                          temperatures likewise gives the annotators real quality differences to rank
     */
    public record Rankings(@JsonProperty("source") String source, @JsonProperty("prompts_train") String promptsTrain,
                           @JsonProperty("prompts_validation") String promptsValidation, @JsonProperty("train_limit") int trainLimit,
                           @JsonProperty("validation_limit") int validationLimit, @JsonProperty("k") int k,
                           @JsonProperty("sampling") SampleConfig sampling, @JsonProperty("seed") long seed,
                           @OptionalKey @JsonProperty("shipped_train") String shippedTrain,
                           @OptionalKey @JsonProperty("shipped_validation") String shippedValidation,
                           @OptionalKey @JsonProperty("temperatures") List<Double> temperatures) {}

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (rewardCheckpoint != null && !TrainLoop.BEST.equals(rewardCheckpoint) && !TrainLoop.LAST.equals(rewardCheckpoint))
            p.add(prefix + "reward_checkpoint: expected \"best\" or \"last\", got \"" + rewardCheckpoint + "\"");
        Rankings r = rankings;
        if (!"simulate".equals(r.source()) && !"shipped".equals(r.source()))
            p.add(prefix + "rankings.source: expected \"simulate\" or \"shipped\", got \"" + r.source() + "\"");
        if ("shipped".equals(r.source()) && (r.shippedTrain() == null || r.shippedValidation() == null))
            p.add(prefix + "rankings.shipped_train and rankings.shipped_validation: required when source is \"shipped\"");
        if (r.k() < 2 || r.k() > 9) p.add(prefix + "rankings.k: expected in [2, 9], got " + r.k());
        if (r.trainLimit() < 0) p.add(prefix + "rankings.train_limit: expected >= 0 (0 = all), got " + r.trainLimit());
        if (r.validationLimit() < 0) p.add(prefix + "rankings.validation_limit: expected >= 0 (0 = all), got " + r.validationLimit());
        p.addAll(r.sampling().problems(prefix + "rankings.sampling."));
        if (r.temperatures() != null) {
            int n = r.temperatures().size();
            if (n == 0 || r.k() % n != 0 || r.k() / n < 2)
                p.add(prefix + "rankings.temperatures: expected n temperatures with k divisible by n and k/n >= 2 (k=" + r.k() + "), got " + n);
            for (int i = 0; i < n; i++)
                if (!(r.temperatures().get(i) > 0)) p.add(prefix + "rankings.temperatures[" + i + "]: expected > 0, got " + r.temperatures().get(i));
        }
        return p;
    }
}
