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
 * @param rewardPl optional: a second reward model on the same rankings with the Plackett-Luce loss (its config must
 *                 resolve to {@code mode: plackett_luce}), stage {@code reward-pl}; the report sets it beside the
 *                 pairwise one
 * @param methods  optional: more policies trained from the same SFT model and rankings and evaluated beside PPO and
 *                 PPO-ptx (RLOO and GRPO as {@code ppo} stages with their overrides, DPO and IPO as {@code dpo}
 *                 stages, PPO against the Plackett-Luce reward model), each a stage of its own name, run in order
 * @param findings optional: the extra stages behind InstructGPT's headline findings ({@code configs/instructgpt.json})
 */
public record RunConfig(@JsonProperty("base") String base, @JsonProperty("sft") StageRef sft,
                        @JsonProperty("rankings") Rankings rankings, @JsonProperty("reward") StageRef reward,
                        @JsonProperty("ppo") StageRef ppo, @JsonProperty("ppo_ptx") StageRef ppoPtx,
                        @JsonProperty("eval") StageRef eval,
                        @OptionalKey @JsonProperty("reward_checkpoint") String rewardCheckpoint,
                        @OptionalKey @JsonProperty("reward_pl") StageRef rewardPl,
                        @OptionalKey @JsonProperty("methods") List<Method> methods,
                        @OptionalKey @JsonProperty("findings") Findings findings) implements Validated {

    /** The stage names the pipeline itself uses; a method may not take one. */
    public static final List<String> RESERVED = List.of("base", "sft", "rankings", "reward", "reward-pl", "ppo", "ppo-ptx", "eval",
            Findings.BIG_PRETRAIN, Findings.BIG_SFT, Findings.SFT_BIG, Findings.OVEROPT);

    public RunConfig {
        if (methods == null) methods = List.of();
    }

    /**
     * One more policy to compare.
     *
     * @param name   its stage directory and its name in the report: lower-case letters, digits and '-'
     * @param stage  "ppo" (PPO and its critic-free modes) or "dpo" (DPO, IPO)
     * @param config the stage config file
     * @param set    overrides applied after the chaining paths
     * @param reward for a "ppo" stage, the reward model it optimises: "pairwise" (stage {@code reward}, the default) or
     *               "plackett_luce" (stage {@code reward-pl}, which then must be configured)
     */
    public record Method(@JsonProperty("name") String name, @JsonProperty("stage") String stage, @JsonProperty("config") String config,
                         @JsonProperty("set") List<String> set, @OptionalKey @JsonProperty("reward") String reward) {
        public Method {
            if (reward == null) reward = PAIRWISE;
        }

        public static final String PAIRWISE = "pairwise", PLACKETT_LUCE = "plackett_luce";

        public StageRef ref() {
            return new StageRef(config, set);
        }

        /** The stage directory of the reward model a "ppo" method optimises. */
        public String rewardStage() {
            return PLACKETT_LUCE.equals(reward) ? "reward-pl" : "reward";
        }
    }

    /**
     * The stages behind InstructGPT's findings that the plain recipe does not already produce.
     *
     * @param bigPretrain      a base model with several times the shipped model's parameters, pretrained by the same
     *                         command (a pretrain config); stage {@code big-pretrain}
     * @param bigSft           its SFT on the same demonstrations (an SFT config; base filled in); stage {@code big-sft},
     *                         evaluated as policy {@code sft-big}: "small beats big" compares PPO with it
     * @param overoptimisation a PPO run with snapshot_every set (a PPO config; sft and reward model filled in), stage
     *                         {@code ppo-overopt}: each snapshot is one point of the gold and proxy curves against √KL
     * @param minSnapshots     optional, default 6: the over-optimisation run must keep at least this many snapshots
     * @param bootstrap        optional, default 1000: bootstrap resamples of the prompts for the peak's interval
     */
    public record Findings(@JsonProperty("big_pretrain") StageRef bigPretrain, @JsonProperty("big_sft") StageRef bigSft,
                           @JsonProperty("overoptimisation") StageRef overoptimisation,
                           @OptionalKey @JsonProperty("min_snapshots") Integer minSnapshots,
                           @OptionalKey @JsonProperty("bootstrap") Integer bootstrap) {
        public static final String BIG_PRETRAIN = "big-pretrain", BIG_SFT = "big-sft", SFT_BIG = "sft-big", OVEROPT = "ppo-overopt";

        public Findings {
            if (minSnapshots == null) minSnapshots = 6;
            if (bootstrap == null) bootstrap = 1000;
        }
    }

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
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < methods.size(); i++) {
            Method m = methods.get(i);
            String at = prefix + "methods[" + i + "].";
            if (m.name() == null || !m.name().matches("[a-z0-9][a-z0-9-]*"))
                p.add(at + "name: expected lower-case letters, digits and '-', got " + (m.name() == null ? "nothing" : "\"" + m.name() + "\""));
            else if (RESERVED.contains(m.name()) || m.name().startsWith("best-of-"))
                p.add(at + "name: \"" + m.name() + "\" is taken by the pipeline's own stages " + RESERVED + " or best-of-n");
            else if (!names.add(m.name())) p.add(at + "name: \"" + m.name() + "\" is used by an earlier method");
            if (!"ppo".equals(m.stage()) && !"dpo".equals(m.stage()))
                p.add(at + "stage: expected \"ppo\" or \"dpo\", got \"" + m.stage() + "\"");
            if (!Method.PAIRWISE.equals(m.reward()) && !Method.PLACKETT_LUCE.equals(m.reward()))
                p.add(at + "reward: expected \"pairwise\" or \"plackett_luce\", got \"" + m.reward() + "\"");
            else if (Method.PLACKETT_LUCE.equals(m.reward()) && rewardPl == null)
                p.add(at + "reward: \"plackett_luce\" needs the reward_pl stage, which this run does not configure");
            else if ("dpo".equals(m.stage()) && !Method.PAIRWISE.equals(m.reward()))
                p.add(at + "reward: a dpo stage uses no reward model; leave it out");
            if (m.config() == null || m.config().isBlank()) p.add(at + "config: expected a stage config file");
        }
        if (findings != null) {
            if (findings.bigPretrain() == null || findings.bigSft() == null || findings.overoptimisation() == null)
                p.add(prefix + "findings: expected big_pretrain, big_sft and overoptimisation stages, got "
                        + (findings.bigPretrain() == null ? "no big_pretrain " : "") + (findings.bigSft() == null ? "no big_sft " : "")
                        + (findings.overoptimisation() == null ? "no overoptimisation" : "").trim());
            if (findings.minSnapshots() < 2) p.add(prefix + "findings.min_snapshots: expected >= 2, got " + findings.minSnapshots());
            if (findings.bootstrap() < 10) p.add(prefix + "findings.bootstrap: expected >= 10, got " + findings.bootstrap());
        }
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
