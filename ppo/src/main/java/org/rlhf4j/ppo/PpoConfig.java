package org.rlhf4j.ppo;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.policy.config.OptionalKey;
import org.rlhf4j.policy.config.Validated;
import org.rlhf4j.policy.train.OptimConfig;

/**
 * {@code ./rlhf4j ppo}: PPO with a per-token KL penalty against the frozen SFT reference, a reward model's score at the
 * end of each response, GAE, and optionally PPO-ptx; or, with {@code algorithm}, the critic-free RLOO and GRPO in the
 * same loop. Every field is required in the file (a recipe is complete and readable) except the three algorithm keys
 * at the end, whose absence means today's PPO; the defaults below are those of {@code configs/ppo.json} and where they
 * come from.
 *
 * <p>Defaults and sources. InstructGPT (Ouyang et al. 2022, appendix C.4): β = 0.02 fixed, clip ε = 0.2, γ_ptx = 27.8
 * for "PPO-ptx", value function initialised from the reward model, temperature 1 for rollouts. Ziegler et al. 2019:
 * the adaptive KL controller (target 6 nats, horizon 10 000). OpenRLHF and TRL: γ = 1, λ = 0.95, value clip 0.2,
 * whitened advantages, reward clip ±10, an early stop on approximate KL, vf_coef 0.1 when the value head shares the
 * policy's backbone (TRL's original shared-head PPO), ptx_coef 0.05 (OpenRLHF's default). Here the policy loss and the
 * ptx NLL are both means over tokens, so InstructGPT's γ_ptx = 27.8 makes the LM term dominate each (norm-clipped)
 * step; it is a valid setting ({@code configs/quickstart.json} runs it as "PPO-ptx"), not a neutral one.
 *
 * @param sft             the SFT checkpoint: the policy's initial weights and the frozen reference
 * @param rewardModel     the reward model checkpoint (a policy with the reward head; its score is already normalised)
 * @param prompts         training prompts (PPO's "environment"), e.g. {@code embedded:prompts.train.jsonl.gz}
 * @param seed            seed of the prompt order, of every sampling stream and of the minibatch shuffles
 * @param iterations      PPO iterations (each: sample, score, learn); default 24 (about 3 minutes on 2 cores for the quickstart model)
 * @param batchSize       responses per iteration (prompts too when samples_per_prompt is 1); default 16
 * @param valueHeadInit   "reward_model" (InstructGPT, OpenRLHF: the value head starts as the reward head), "random" or
 *                        "zero" (V = 0 until it learns). configs/ppo.json uses "zero": InstructGPT's critic is a whole
 *                        copy of the reward model, but here the critic is a head on the policy's backbone, and the
 *                        reward head read on the SFT backbone gave per-token values of amplitude ~1 (explained
 *                        variance −2 to −18 over a quickstart run even at value_lr 1e-3); "zero" stays near 0 (see
 *                        the README's PPO section)
 * @param rollout         how responses are sampled
 * @param reward          how the reward model's score becomes the reward
 * @param kl              the KL penalty coefficient β, fixed or adaptive
 * @param gae             discount γ and GAE λ
 * @param ppo             the PPO update: epochs, minibatches, clipping, loss weights, early stop
 * @param ptxCoef         PPO-ptx's γ_ptx: the mean next-token NLL of a pretraining batch times this is added to every
 *                        minibatch step's loss; 0 = plain PPO (InstructGPT's PPO-ptx used 27.8, see above); default 0.05
 * @param ptx             PPO-ptx's pretraining batches (used when ptx_coef &gt; 0)
 * @param optim           AdamW (global-norm clipping included); warm-up and cosine run over all planned minibatch steps;
 *                        configs/ppo.json uses a constant 5e-5 (2e-5 and 1e-4 also measured on
 *                        the quickstart model, see the README; InstructGPT used 9.65e-6 for 1.3B), grad_clip 1.0, no weight decay
 * @param checkpointEvery write {@code last/} every this many iterations (and always at the end); default 8
 * @param eval            the final held-out evaluation (gold judge and pretraining perplexity, SFT vs PPO)
 * @param algorithm       optional, default "ppo": "ppo" (actor-critic: value head, GAE), or one of the critic-free modes
 *                        "rloo" (REINFORCE leave-one-out, Ahmadian et al. 2024: advantage = a response's reward minus
 *                        the mean reward of the other k − 1 responses to its prompt) and "grpo" (Shao et al. 2024:
 *                        advantage = (reward − group mean) / (group std + ε)). Both keep the clipped surrogate, the
 *                        KL, the ptx term and the checkpoint layout; they have no value head, so value_head_init,
 *                        gae, ppo.value_clip, ppo.vf_coef, ppo.value_lr, ppo.value_warmup_iterations and
 *                        ppo.whiten_advantages are ignored (see {@link Advantages#rloo}, {@link Advantages#grpo})
 * @param samplesPerPrompt optional, default 1: k responses are sampled for each prompt (each with its own seed);
 *                        batch_size counts responses, so an iteration draws batch_size / k prompts and the minibatch
 *                        arithmetic and compute per iteration do not depend on k; rloo and grpo need k &gt;= 2
 * @param klPenalty       optional, default "reward": where β·KL(π‖π_ref) enters. "reward": −β·(log π − log π_ref) in
 *                        every response token's reward (InstructGPT); "loss": the rewards carry no KL and the loss gets
 *                        β · ½ (log π_θ − log π_ref)² per response token (the k2 estimator; its gradient is the
 *                        gradient of KL(π‖π_ref) on the policy's own samples; see {@link PpoLosses}). Valid for all
 *                        three algorithms; kl.mode "adaptive" moves β in both
 * @param snapshotEvery   optional, default none: also keep the policy of every this many iterations, as a checkpoint
 *                        {@code snapshots/iter-NNNN/} (weights only): the points of an over-optimisation curve
 */
public record PpoConfig(@JsonProperty("sft") String sft, @JsonProperty("reward_model") String rewardModel,
                        @JsonProperty("prompts") String prompts, @JsonProperty("seed") long seed,
                        @JsonProperty("iterations") int iterations, @JsonProperty("batch_size") int batchSize,
                        @JsonProperty("value_head_init") ValueHeadInit valueHeadInit,
                        @JsonProperty("rollout") Rollout rollout, @JsonProperty("reward") Reward reward,
                        @JsonProperty("kl") Kl kl, @JsonProperty("gae") Gae gae, @JsonProperty("ppo") Learn ppo,
                        @JsonProperty("ptx_coef") double ptxCoef, @JsonProperty("ptx") Ptx ptx, @JsonProperty("optim") OptimConfig optim,
                        @JsonProperty("checkpoint_every") int checkpointEvery, @JsonProperty("eval") Eval eval,
                        @OptionalKey @JsonProperty("algorithm") Algorithm algorithm,
                        @OptionalKey @JsonProperty("samples_per_prompt") Integer samplesPerPrompt,
                        @OptionalKey @JsonProperty("kl_penalty") KlPenalty klPenalty,
                        @OptionalKey @JsonProperty("snapshot_every") Integer snapshotEvery) implements Validated {

    /** A config without the optional algorithm keys: PPO, one sample per prompt, KL in the reward. */
    public PpoConfig(String sft, String rewardModel, String prompts, long seed, int iterations, int batchSize, ValueHeadInit valueHeadInit,
                     Rollout rollout, Reward reward, Kl kl, Gae gae, Learn ppo, double ptxCoef, Ptx ptx, OptimConfig optim,
                     int checkpointEvery, Eval eval) {
        this(sft, rewardModel, prompts, seed, iterations, batchSize, valueHeadInit, rollout, reward, kl, gae, ppo, ptxCoef, ptx, optim,
                checkpointEvery, eval, null, null, null, null);
    }

    /** The policy-gradient method: PPO with a critic, or a critic-free mode whose baseline is the prompt's other samples. */
    public enum Algorithm {
        @JsonProperty("ppo") PPO,
        @JsonProperty("rloo") RLOO,
        @JsonProperty("grpo") GRPO;

        public String wireName() {
            return switch (this) {
                case PPO -> "ppo";
                case RLOO -> "rloo";
                case GRPO -> "grpo";
            };
        }
    }

    /** Where the KL to the reference enters: the per-token reward, or the loss. */
    public enum KlPenalty {
        @JsonProperty("reward") REWARD,
        @JsonProperty("loss") LOSS;

        public String wireName() {
            return this == REWARD ? "reward" : "loss";
        }
    }

    /** algorithm, "ppo" when absent. */
    public Algorithm algorithmOrDefault() {
        return algorithm == null ? Algorithm.PPO : algorithm;
    }

    /** samples_per_prompt, 1 when absent. */
    public int k() {
        return samplesPerPrompt == null ? 1 : samplesPerPrompt;
    }

    /** kl_penalty, "reward" when absent. */
    public KlPenalty klPenaltyOrDefault() {
        return klPenalty == null ? KlPenalty.REWARD : klPenalty;
    }

    /** Whether the policy carries a value head and learns it (PPO only). */
    public boolean critic() {
        return algorithmOrDefault() == Algorithm.PPO;
    }

    /** Prompts drawn per iteration: batch_size / samples_per_prompt. */
    public int promptsPerIteration() {
        return batchSize / Math.max(1, k());
    }

    /** Where the value head's initial weights come from. */
    public enum ValueHeadInit {
        @JsonProperty("reward_model") REWARD_MODEL,
        @JsonProperty("random") RANDOM,
        @JsonProperty("zero") ZERO;

        public String wireName() {
            return switch (this) {
                case REWARD_MODEL -> "reward_model";
                case RANDOM -> "random";
                case ZERO -> "zero";
            };
        }
    }

    /** Whether β stays fixed or follows Ziegler et al.'s proportional controller. */
    public enum KlMode {
        @JsonProperty("fixed") FIXED,
        @JsonProperty("adaptive") ADAPTIVE
    }

    /**
     * Rollout sampling. Top-p/top-k are deliberately absent: PPO's ratio needs the log-prob of the distribution that
     * actually sampled, and a truncated sampler is not softmax(logits / temperature). The temperature is used in
     * sampling and in every log-prob (old, reference, training graph).
     *
     * @param temperature     InstructGPT sampled at 1.0; configs/ppo.json uses 0.7, the temperature the evaluation samples
     *                        at, so PPO optimises the distribution that is evaluated (at 1.0 the quickstart's PPO mostly
     *                        learned to lower its entropy, which sampling at 0.7 already does)
     * @param maxNewTokens    longest response; default 64 (the SFT responses are ≤ 77 bytes, median 32)
     * @param promptMaxTokens rendered prompts longer than this are left out (counted in the summary); the training
     *                        graph's length is promptMaxTokens + maxNewTokens, which must leave room for the EOS the
     *                        reward model reads (≤ n_positions − 1); default 100
     */
    public record Rollout(@JsonProperty("temperature") double temperature, @JsonProperty("max_new_tokens") int maxNewTokens,
                          @JsonProperty("prompt_max_tokens") int promptMaxTokens) {
        List<String> problems(String prefix) {
            List<String> p = new ArrayList<>();
            if (!(temperature > 0 && temperature <= 10)) p.add(prefix + "temperature: expected in (0, 10], got " + temperature);
            if (maxNewTokens < 1) p.add(prefix + "max_new_tokens: expected >= 1, got " + maxNewTokens);
            if (promptMaxTokens < 1) p.add(prefix + "prompt_max_tokens: expected >= 1, got " + promptMaxTokens);
            return p;
        }

        public int seqLen() {
            return promptMaxTokens + maxNewTokens;
        }
    }

    /**
     * From the reward model's score to the scalar reward at the last response token.
     *
     * @param missingEosPenalty the "EOS trick": a response that never emitted EOS gets this score INSTEAD of the reward
     *                          model's (which was only trained to be read at an EOS); absent or null = off, the reward
     *                          model then scores the truncated response with an EOS appended; default −1.0
     * @param clip              |score| is clipped to this after normalisation (0 = off); default 10 (OpenRLHF)
     * @param normalize         divide (score − running mean) by the running std, statistics kept across iterations in
     *                          the trainer state; default false (the reward model's output is already normalised)
     */
    public record Reward(@OptionalKey @JsonProperty("missing_eos_penalty") Double missingEosPenalty,
                         @JsonProperty("clip") double clip, @JsonProperty("normalize") boolean normalize,
                         @OptionalKey @JsonProperty("source") String source) {
        /** The default scorer: the reward model. */
        public static final String REWARD_MODEL = "reward_model";
        /**
         * The embedded task world's gold judge as the reward (an oracle): for studying how much of the gap between
         * proxy and gold comes from the reward model rather than from PPO. Not available on user data.
         */
        public static final String GOLD_JUDGE = "gold_judge";

        public Reward(Double missingEosPenalty, double clip, boolean normalize) {
            this(missingEosPenalty, clip, normalize, null);
        }

        public String sourceOrDefault() {
            return source == null ? REWARD_MODEL : source;
        }

        List<String> problems(String prefix) {
            List<String> p = new ArrayList<>();
            if (source != null && !REWARD_MODEL.equals(source) && !GOLD_JUDGE.equals(source))
                p.add(prefix + "source: expected \"reward_model\" or \"gold_judge\", got \"" + source + "\"");
            if (missingEosPenalty != null && !Double.isFinite(missingEosPenalty))
                p.add(prefix + "missing_eos_penalty: expected a finite number or null, got " + missingEosPenalty);
            if (!(clip >= 0)) p.add(prefix + "clip: expected >= 0 (0 = off), got " + clip);
            return p;
        }
    }

    /**
     * The KL penalty −β·(log π − log π_ref) added to every response token's reward.
     *
     * @param mode    "fixed" (InstructGPT) or "adaptive" (Ziegler et al.: e = clip(KL/target − 1, ±0.2), β ← β(1 + e·n/horizon))
     * @param coef    initial β; default 0.02 (InstructGPT)
     * @param target  adaptive only: target KL per response in nats; default 6 (Ziegler et al.)
     * @param horizon adaptive only: in samples; default 10000 (Ziegler et al.)
     */
    public record Kl(@JsonProperty("mode") KlMode mode, @JsonProperty("coef") double coef,
                     @JsonProperty("target") double target, @JsonProperty("horizon") double horizon) {
        List<String> problems(String prefix) {
            List<String> p = new ArrayList<>();
            if (!(coef >= 0 && coef < 100)) p.add(prefix + "coef: expected in [0, 100), got " + coef);
            if (!(target > 0)) p.add(prefix + "target: expected > 0, got " + target);
            if (!(horizon > 0)) p.add(prefix + "horizon: expected > 0, got " + horizon);
            return p;
        }
    }

    /**
     * Generalised advantage estimation.
     *
     * @param gamma  discount; default 1.0
     * @param lambda GAE λ; default 0.95
     */
    public record Gae(@JsonProperty("gamma") double gamma, @JsonProperty("lambda") double lambda) {
        List<String> problems(String prefix) {
            List<String> p = new ArrayList<>();
            if (!(gamma >= 0 && gamma <= 1)) p.add(prefix + "gamma: expected in [0, 1], got " + gamma);
            if (!(lambda >= 0 && lambda <= 1)) p.add(prefix + "lambda: expected in [0, 1], got " + lambda);
            return p;
        }
    }

    /**
     * The PPO update over one iteration's rollouts.
     *
     * @param epochs           passes over the rollouts; default 2
     * @param minibatchSize    responses per optimizer step; must divide batch_size; default 8
     * @param microBatchSize   responses per forward/backward (gradients accumulate); must divide minibatch_size
     * @param clip             ε of the clipped surrogate; default 0.2
     * @param valueClip        the value prediction may move at most this far from the rollout's value (0 = off); default 0.2
     * @param vfCoef           weight of the value loss in the shared-backbone loss; must be > 0; default 0.1
     * @param entropyCoef      entropy bonus weight (0 = off); default 0.0
     * @param maxApproxKl      stop the iteration's remaining minibatch steps (this one is not applied) when a
     *                         minibatch's approximate KL mean((r − 1) − log r) exceeds this (0 = off); default 0.1
     * @param whitenAdvantages normalise advantages to zero mean and unit variance over the batch; default true
     * @param valueLr          learning rate of the value head's own weight and bias (the backbone they share with the
     *                         policy keeps optim.lr; the schedule's shape applies to both); absent = optim.lr. Adam
     *                         normalises away vf_coef for parameters only the value loss reaches, so at the policy's
     *                         2e-5 the head moves at most ~2e-3 in a 24-iteration run and never fits the returns
     *                         (explained variance −5 to −40, measured); OpenRLHF likewise gives its critic a ~20x
     *                         larger learning rate than its actor. configs/ppo.json: 1e-3
     * @param valueWarmupIterations the first this many of {@code iterations} train only the value head (the policy,
     *                         and so the samples, stay the SFT policy's), as OpenRLHF's freezing_actor_steps; absent = 0
     */
    public record Learn(@JsonProperty("epochs") int epochs, @JsonProperty("minibatch_size") int minibatchSize,
                        @JsonProperty("micro_batch_size") int microBatchSize, @JsonProperty("clip") double clip,
                        @JsonProperty("value_clip") double valueClip, @JsonProperty("vf_coef") double vfCoef,
                        @JsonProperty("entropy_coef") double entropyCoef, @JsonProperty("max_approx_kl") double maxApproxKl,
                        @JsonProperty("whiten_advantages") boolean whitenAdvantages,
                        @OptionalKey @JsonProperty("value_lr") Double valueLr,
                        @OptionalKey @JsonProperty("value_warmup_iterations") Integer valueWarmupIterations) {
        public Learn(int epochs, int minibatchSize, int microBatchSize, double clip, double valueClip, double vfCoef,
                     double entropyCoef, double maxApproxKl, boolean whitenAdvantages) {
            this(epochs, minibatchSize, microBatchSize, clip, valueClip, vfCoef, entropyCoef, maxApproxKl, whitenAdvantages, null, null);
        }

        /** The value head's learning rate relative to optim.lr (1 when value_lr is absent). */
        public double valueLrScale(double lr) {
            return valueLr == null ? 1.0 : valueLr / lr;
        }

        public int warmupIterations() {
            return valueWarmupIterations == null ? 0 : valueWarmupIterations;
        }

        List<String> problems(String prefix, int batchSize, boolean critic) {
            List<String> p = new ArrayList<>();
            if (valueLr != null && !(valueLr > 0 && valueLr < 1)) p.add(prefix + "value_lr: expected in (0, 1), got " + valueLr);
            if (valueWarmupIterations != null && valueWarmupIterations < 0)
                p.add(prefix + "value_warmup_iterations: expected >= 0, got " + valueWarmupIterations);
            if (epochs < 1) p.add(prefix + "epochs: expected >= 1, got " + epochs);
            if (minibatchSize < 1 || (batchSize >= 1 && batchSize % Math.max(1, minibatchSize) != 0))
                p.add(prefix + "minibatch_size: expected a divisor of batch_size=" + batchSize + ", got " + minibatchSize);
            if (microBatchSize < 1 || (minibatchSize >= 1 && minibatchSize % Math.max(1, microBatchSize) != 0))
                p.add(prefix + "micro_batch_size: expected a divisor of minibatch_size=" + minibatchSize + ", got " + microBatchSize);
            if (!(clip > 0 && clip < 1)) p.add(prefix + "clip: expected in (0, 1), got " + clip);
            if (!(valueClip >= 0)) p.add(prefix + "value_clip: expected >= 0 (0 = off), got " + valueClip);
            if (critic && !(vfCoef > 0)) p.add(prefix + "vf_coef: expected > 0 (the value head trains only through this term), got " + vfCoef);
            if (!(entropyCoef >= 0)) p.add(prefix + "entropy_coef: expected >= 0, got " + entropyCoef);
            if (!(maxApproxKl >= 0)) p.add(prefix + "max_approx_kl: expected >= 0 (0 = off), got " + maxApproxKl);
            return p;
        }

        public int minibatchesPer(int batchSize) {
            return batchSize / minibatchSize;
        }
    }

    /**
     * PPO-ptx's pretraining batches.
     *
     * @param data      pretraining documents, e.g. {@code embedded:pretrain.train.jsonl.gz}
     * @param batchSize documents per minibatch step; default 4
     * @param seqLen    tokens per document window (BOS + text + EOS, a seeded window when longer); default 128
     */
    public record Ptx(@JsonProperty("data") String data, @JsonProperty("batch_size") int batchSize, @JsonProperty("seq_len") int seqLen) {
        List<String> problems(String prefix, double coef) {
            List<String> p = new ArrayList<>();
            if (coef > 0 && (data == null || data.isBlank())) p.add(prefix + "data: expected a pretraining data spec when ptx_coef > 0");
            if (batchSize < 1) p.add(prefix + "batch_size: expected >= 1, got " + batchSize);
            if (seqLen < 2) p.add(prefix + "seq_len: expected >= 2, got " + seqLen);
            return p;
        }
    }

    /**
     * The final evaluation, SFT next to PPO with the same sampling and seed.
     *
     * @param prompts       held-out prompts judged by the gold judges, e.g. {@code embedded:prompts.test.jsonl.gz}
     * @param maxPrompts    the first N of them (0 = skip the gold evaluation); default 96
     * @param sampling      how the judged responses are sampled
     * @param pretrain      held-out pretraining documents for the perplexity ("alignment tax")
     * @param pretrainDocs  the first N documents (0 = skip); default 64
     */
    public record Eval(@JsonProperty("prompts") String prompts, @JsonProperty("max_prompts") int maxPrompts,
                       @JsonProperty("sampling") SampleConfig sampling, @JsonProperty("pretrain") String pretrain,
                       @JsonProperty("pretrain_docs") int pretrainDocs) {
        List<String> problems(String prefix) {
            List<String> p = new ArrayList<>();
            if (maxPrompts < 0) p.add(prefix + "max_prompts: expected >= 0, got " + maxPrompts);
            if (pretrainDocs < 0) p.add(prefix + "pretrain_docs: expected >= 0, got " + pretrainDocs);
            p.addAll(sampling.problems(prefix + "sampling."));
            return p;
        }
    }

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (sft.isBlank()) p.add(prefix + "sft: expected the SFT checkpoint directory");
        if (rewardModel.isBlank()) p.add(prefix + "reward_model: expected the reward model checkpoint directory");
        if (prompts.isBlank()) p.add(prefix + "prompts: expected a prompts data spec");
        if (iterations < 1) p.add(prefix + "iterations: expected >= 1, got " + iterations);
        if (snapshotEvery != null && snapshotEvery < 1) p.add(prefix + "snapshot_every: expected >= 1 (or leave it out), got " + snapshotEvery);
        if (batchSize < 1) p.add(prefix + "batch_size: expected >= 1, got " + batchSize);
        if (checkpointEvery < 1) p.add(prefix + "checkpoint_every: expected >= 1, got " + checkpointEvery);
        p.addAll(rollout.problems(prefix + "rollout."));
        p.addAll(reward.problems(prefix + "reward."));
        p.addAll(kl.problems(prefix + "kl."));
        p.addAll(gae.problems(prefix + "gae."));
        p.addAll(ppo.problems(prefix + "ppo.", batchSize, critic()));
        if (samplesPerPrompt != null && samplesPerPrompt < 1) p.add(prefix + "samples_per_prompt: expected >= 1, got " + samplesPerPrompt);
        else if (!critic() && k() < 2)
            p.add(prefix + "samples_per_prompt: algorithm \"" + algorithmOrDefault().wireName() + "\" needs >= 2 samples per prompt (its baseline is the "
                    + "other samples of the same prompt), got " + k() + (samplesPerPrompt == null ? " (the default)" : ""));
        else if (batchSize >= 1 && batchSize % k() != 0)
            p.add(prefix + "samples_per_prompt: expected a divisor of batch_size=" + batchSize + " (batch_size counts responses: batch_size / "
                    + "samples_per_prompt prompts per iteration), got " + k());
        if (critic() && ppo.warmupIterations() >= iterations && iterations >= 1)
            p.add(prefix + "ppo.value_warmup_iterations: expected fewer than iterations=" + iterations + ", got " + ppo.warmupIterations());
        if (!(ptxCoef >= 0 && ptxCoef <= 1000)) p.add(prefix + "ptx_coef: expected in [0, 1000] (0 = off), got " + ptxCoef);
        p.addAll(ptx.problems(prefix + "ptx.", ptxCoef));
        p.addAll(optim.problems(prefix + "optim."));
        p.addAll(eval.problems(prefix + "eval."));
        return p;
    }

    /** Whether PPO-ptx is on. */
    public boolean ptxOn() {
        return ptxCoef > 0;
    }

    /** Optimizer steps the run plans (early stops skip some; the schedule does not shift). */
    public long plannedSteps() {
        return (long) iterations * ppo.epochs() * ppo.minibatchesPer(batchSize);
    }
}
