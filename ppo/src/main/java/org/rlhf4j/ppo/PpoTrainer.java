package org.rlhf4j.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.generate.Generator;
import org.rlhf4j.policy.generate.SamplingConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.train.AdamW;
import org.rlhf4j.policy.train.Progress;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * The PPO loop, and its critic-free modes RLOO and GRPO ({@code algorithm}). One iteration, top to bottom:
 *
 * <ol>
 *   <li>{@link #sample}: a batch of prompts (seeded order), rendered with the chat template, answered by the policy
 *       with the KV-cache sampler, k = samples_per_prompt times each (one seed per response, a function of (seed,
 *       iteration, prompt, sample));</li>
 *   <li>{@link #score}: the policy's log-probs ("old") and, with a critic, values, the reference's log-probs, and the
 *       scorer's score;</li>
 *   <li>{@link #rewards}: −β·(log π − log π_ref) per response token (unless kl_penalty is "loss") plus the final score
 *       at the last token ({@link Rewards}: EOS trick, optional running normalisation, clip);</li>
 *   <li>{@link #advantages}: PPO: GAE over response tokens, whitened over the batch, returns = raw advantages + values;
 *       RLOO / GRPO: one advantage per response from the rewards of its prompt's k samples ({@link Advantages});</li>
 *   <li>{@link #learn}: PPO epochs over shuffled minibatches, one AdamW step each (global-norm clipped), early stop on
 *       approximate KL ({@link PpoLosses}; the value loss with a critic, β·KL as a loss term with kl_penalty "loss");</li>
 *   <li>the KL controller's update of β ({@link KlController});</li>
 *   <li>PPO-ptx, inside step 5: {@link #ptxGradients} adds γ_ptx × the LM gradient of a pretraining batch to each
 *       minibatch step's gradients when γ_ptx &gt; 0.</li>
 * </ol>
 * Then the iteration's gold score, its metrics line, the progress bar and (every N iterations) a checkpoint.
 *
 * In PPO the policy carries the value head (actor-critic on one backbone); in RLOO and GRPO it has none and nothing
 * touches values (no value forward, no value loss, no value warm-up). The reference is a frozen copy; the scorer is any
 * {@link RewardFn}. Every random choice is a function of (seed, iteration), so {@code --resume} from {@code last/}
 * (weights, value head, optimizer moments, β, running reward statistics, iteration) continues exactly.
 */
public final class PpoTrainer {
    public static final String SNAPSHOTS = "snapshots";
    public static final String LAST = "last", METRICS = "metrics.jsonl", SUMMARY = "summary.json";
    /** A run stops after this many optimizer steps in a row were refused for non-finite gradients. */
    static final int MAX_CONSECUTIVE_SKIPS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DataType DTYPE = DataType.FLOAT;
    private static final long SAMPLE = 1, SHUFFLE = 2;
    private static final Set<String> VALUE_HEAD = Set.of(GptWeights.Head.VALUE.weight, GptWeights.Head.VALUE.bias);

    private final PpoConfig cfg;
    private final Policy policy, reference;
    private final RewardFn reward;
    private final List<PromptRecord> prompts;
    private final PtxBatches ptx;
    private final GoldJudge judge;
    private final PpoLosses.Coefficients coef;
    private final int maxNew;
    private final KlController kl;
    private final AdamW opt;
    private Rewards.RunningMoments scoreStats = new Rewards.RunningMoments();
    /** The training engine over the policy's weights (built on first use, after any resume has loaded them). */
    private GptEngine engine;
    private int skippedTotal, consecutiveSkips;
    /** Where steps 1–2 and the minibatch gradients run; null: here, in this JVM. */
    private Workers workers;

    /**
     * @param policy    the policy being trained; has the value head in PPO and none in RLOO/GRPO; updated in place
     * @param reference the frozen reference (the SFT policy)
     * @param reward    the scorer of finished responses
     * @param prompts   training prompts, each rendering to at most rollout.prompt_max_tokens ids
     * @param ptxDocs   pretraining documents for PPO-ptx (ignored when ptx.coef = 0)
     * @param judge     the gold judge for the per-iteration gold score, or null (prompts without family are skipped)
     */
    public PpoTrainer(PpoConfig cfg, Policy policy, Policy reference, RewardFn reward, List<PromptRecord> prompts,
                      List<PretrainDoc> ptxDocs, GoldJudge judge) {
        if (cfg.critic() && !policy.weights().hasHead(GptWeights.Head.VALUE)) throw new IllegalArgumentException("the PPO policy needs a value head");
        if (!cfg.critic() && policy.weights().hasHead(GptWeights.Head.VALUE))
            throw new IllegalArgumentException(cfg.algorithmOrDefault().wireName() + " has no critic: the policy must not carry a value head");
        if (prompts.isEmpty()) throw new IllegalArgumentException("no training prompts");
        this.cfg = cfg;
        this.policy = policy;
        this.reference = reference;
        this.reward = reward;
        this.prompts = prompts;
        this.judge = judge;
        this.coef = PpoLosses.Coefficients.of(cfg);
        this.maxNew = cfg.rollout().maxNewTokens();
        this.kl = new KlController(cfg.kl());
        this.opt = new AdamW(cfg.optim());
        this.ptx = cfg.ptxOn() ? new PtxBatches(ptxDocs, policy.tokenizer(), cfg.ptx().seqLen(), cfg.ptx().batchSize(), cfg.seed()) : null;
        for (PromptRecord p : prompts) {
            int n = policy.chat().renderPrompt(p.prompt()).length;
            if (n > cfg.rollout().promptMaxTokens())
                throw new IllegalArgumentException("prompt " + p.id() + " renders to " + n + " tokens, more than rollout.prompt_max_tokens=" + cfg.rollout().promptMaxTokens());
        }
    }

    /**
     * Where an iteration's rollouts (steps 1–2) and minibatch gradients (step 5) are computed, for a trainer whose
     * driver keeps everything else (module {@code spark} puts them on a cluster). Each must return what the static
     * {@link #sample(PpoConfig, Policy, List, long[])}, {@link #score(PpoConfig, Policy, Policy, RewardFn, Samples)}
     * and {@link #accumulate(PpoConfig, PpoLosses.Coefficients, GptEngine, List, double)} return in this JVM.
     */
    public interface Workers {
        /** Samples and scores {@code batch} with the policy's current weights; row i samples with {@code seeds[i]}. */
        Rollout rollout(int iteration, List<PromptRecord> batch, long[] seeds);

        /**
         * Adds the gradient of {@code weight} × the rows' summed token loss at the policy's current weights to
         * {@code engine}'s gradient buffer (which holds zeros on entry); returns the loss terms and statistics.
         */
        Accumulated gradient(List<PpoLosses.Row> rows, double weight, PpoLosses.Coefficients coef, GptEngine engine);
    }

    /** Has {@link Workers} compute rollouts and minibatch gradients from now on. */
    public PpoTrainer workers(Workers w) {
        this.workers = w;
        return this;
    }

    /** Steps 1–2 of an iteration. */
    public record Rollout(Samples samples, Scored scored) {}

    /** Step 5's per-minibatch sums: loss terms (each already × weight), statistics, and tokens run through the engine. */
    public record Accumulated(double policy, double value, double entropy, double kl, double total, PpoLosses.Stats stats, long tokens) {
        public static final Accumulated ZERO = new Accumulated(0, 0, 0, 0, 0, PpoLosses.Stats.ZERO, 0);

        public Accumulated plus(Accumulated o) {
            return new Accumulated(policy + o.policy, value + o.value, entropy + o.entropy, kl + o.kl, total + o.total, stats.plus(o.stats), tokens + o.tokens);
        }
    }

    /** The run's outcome: the summary, every metrics line, and the final checkpoint. */
    public record Result(ObjectNode summary, List<ObjectNode> metrics, Path last) {}

    /** Step 1's output: B prompts and their sampled responses. */
    public record Samples(List<PromptRecord> prompts, List<int[]> promptIds, List<int[]> responseIds, List<String> texts, boolean[] eos) {
        public int size() {
            return prompts.size();
        }
    }

    /**
     * Step 2's output, (B, L) arrays with L = max_new_tokens, column j = response token j; 0 / false past a
     * response's end.
     *
     * @param logprobs    log π_old(token j | prompt, tokens &lt; j) at the sampling temperature
     * @param refLogprobs log π_ref of the same token
     * @param values      V(state before token j), the value head at rollout time; null without a critic
     * @param mask        whether response token j exists
     * @param rawScores   (B) the scorer's output
     */
    public record Scored(double[][] logprobs, double[][] refLogprobs, double[][] values, boolean[][] mask, double[] rawScores) {}

    /** What one iteration's update did, averaged over its applied minibatch steps. */
    record LearnStats(int steps, boolean earlyStopped, double policyLoss, double valueLoss, double entropy, double klLoss,
                      double clipFraction, double valueClipFraction, double approxKl, double ptxLoss, double gradNorm, double lr,
                      double ratioDevFirstMinibatch, long trainedTokens) {}

    public Result run(Path out, ObjectNode provenance, JsonNode metadata, boolean resume) throws IOException {
        Files.createDirectories(out);
        List<ObjectNode> metrics = new ArrayList<>();
        int start = resume && Files.exists(out.resolve(LAST)) ? restore(out, metrics) : 0;
        try (Progress bar = new Progress("ppo", cfg.iterations())) {
            bar.stepTo(start, "");
            for (int it = start; it < cfg.iterations(); it++) {
                ObjectNode m = iteration(it);
                metrics.add(m);
                TrainLoop.writeMetrics(out.resolve(METRICS), metrics);
                bar.stepTo(it + 1, String.format("proxy %.3f gold %s kl %.2f β %.4f", m.get("rm_score").asDouble(),
                        m.hasNonNull("gold_score") ? String.format("%.3f", m.get("gold_score").asDouble()) : "-",
                        m.get("kl_per_response").asDouble(), m.get("beta").asDouble()));
                if ((it + 1) % cfg.checkpointEvery() == 0 || it + 1 == cfg.iterations())
                    Checkpoint.save(out.resolve(LAST), policy, provenance, opt.state(), trainerState(it + 1), metadata);
                if (cfg.snapshotEvery() != null && (it + 1) % cfg.snapshotEvery() == 0)
                    Checkpoint.save(snapshot(out, it + 1), policy, provenance, null, trainerState(it + 1), metadata);
            }
        }
        ObjectNode summary = summarize(metrics);
        TrainLoop.writeJson(out.resolve(SUMMARY), summary);
        return new Result(summary, metrics, out.resolve(LAST));
    }

    /** Where {@code snapshot_every} keeps the policy after {@code iterations} iterations. */
    public static Path snapshot(Path out, int iterations) {
        return out.resolve(SNAPSHOTS).resolve(String.format("iter-%04d", iterations));
    }

    /** One PPO iteration (steps 1–7); returns its metrics line. */
    ObjectNode iteration(int it) {
        long t0 = System.nanoTime();
        Samples s;
        Scored sc;
        long t1;
        if (workers == null) {
            s = sample(it);                                                           // 1. sample
            t1 = System.nanoTime();
            sc = score(s);                                                            // 2. score
        } else {                                                                      // 1–2 on the workers (generate_s covers both)
            Rollout r = workers.rollout(it, rowsFor(it), rowSeeds(it));
            s = r.samples();
            sc = r.scored();
            t1 = System.nanoTime();
        }
        long t2 = System.nanoTime();
        double beta = kl.beta();
        double[] scores = Rewards.finalScores(sc.rawScores(), s.eos(), cfg.reward(), scoreStats);
        double[][] rewards = rewards(sc, scores, beta);                               // 3. rewards per token
        Advantages.Result est = advantages(rewards, sc);                              // 4. GAE (ppo) or the group baseline
        LearnStats ls = learn(it, trainingRows(s, sc, est), beta);                    // 5. PPO epochs (7. ptx inside)
        long t3 = System.nanoTime();
        double klPerResponse = klPerResponse(sc);
        if (!inWarmup(it)) kl.update(klPerResponse, s.size());                        // 6. β for the next iteration
        double gold = goldScore(s);
        long t4 = System.nanoTime();
        return metricsLine(it, s, sc, scores, rewards, est, ls, beta, klPerResponse, gold, new long[] {t0, t1, t2, t3, t4});
    }

    // ---- 1. sample ----

    /**
     * Prompts of iteration {@code it}: slots [it·P, (it+1)·P) of seeded permutations of the prompt set, one per epoch,
     * with P = batch_size / samples_per_prompt.
     */
    List<PromptRecord> promptsFor(int it) {
        List<PromptRecord> out = new ArrayList<>();
        int[] order = null;
        int orderEpoch = -1;
        int perIteration = cfg.promptsPerIteration();
        for (int i = 0; i < perIteration; i++) {
            long pos = (long) it * perIteration + i;
            int epoch = (int) (pos / prompts.size());
            if (epoch != orderEpoch) {
                order = SeededOrder.permutation(prompts.size(), cfg.seed() * 1_000_003L + epoch);
                orderEpoch = epoch;
            }
            out.add(prompts.get(order[(int) (pos % prompts.size())]));
        }
        return out;
    }

    /** The rows of iteration {@code it}: rows [g·k, (g+1)·k) are prompt g's k samples. */
    List<PromptRecord> rowsFor(int it) {
        List<PromptRecord> rows = new ArrayList<>();
        for (PromptRecord p : promptsFor(it)) for (int sample = 0; sample < cfg.k(); sample++) rows.add(p);
        return rows;
    }

    /**
     * Each row's sampling seed in iteration {@code it}, a function of (seed, iteration, prompt, sample) only: sample s of
     * prompt g has rowSeed(mix(seed, it, s), g), which for k = 1 is the seed PPO has always used.
     */
    long[] rowSeeds(int it) {
        int k = cfg.k(), groups = cfg.promptsPerIteration();
        long[] seeds = new long[groups * k];
        for (int g = 0; g < groups; g++)
            for (int sample = 0; sample < k; sample++) seeds[g * k + sample] = Generator.rowSeed(SeededOrder.mix(cfg.seed(), it, sample, SAMPLE), g);
        return seeds;
    }

    Samples sample(int it) {
        return sample(cfg, policy, rowsFor(it), rowSeeds(it));
    }

    /** Step 1 for any rows: each prompt rendered with the chat template and answered with its own seed. */
    public static Samples sample(PpoConfig cfg, Policy policy, List<PromptRecord> batch, long[] seeds) {
        List<int[]> ids = new ArrayList<>();
        for (PromptRecord p : batch) ids.add(policy.chat().renderPrompt(p.prompt()));
        int maxNew = cfg.rollout().maxNewTokens();
        Generator.Result r = policy.generate(ids, SamplingConfig.sample(cfg.rollout().temperature(), maxNew), seeds);
        List<String> texts = new ArrayList<>();
        boolean[] eos = new boolean[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            texts.add(policy.tokenizer().decode(r.tokens().get(i)));
            eos[i] = r.endedWithEos(i);
        }
        return new Samples(batch, ids, r.tokens(), texts, eos);
    }

    // ---- 2. score ----

    Scored score(Samples s) {
        return score(cfg, policy, reference, reward, s);
    }

    /** Step 2 for any rows: the policy's log-probs and values, the reference's log-probs, the scorer's scores. */
    public static Scored score(PpoConfig cfg, Policy policy, Policy reference, RewardFn reward, Samples s) {
        int b = s.size(), maxNew = cfg.rollout().maxNewTokens();
        List<int[]> seqs = new ArrayList<>();
        List<RewardFn.Response> responses = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            seqs.add(concat(s.promptIds().get(i), s.responseIds().get(i)));
            responses.add(new RewardFn.Response(s.prompts().get(i), s.promptIds().get(i), s.responseIds().get(i), s.texts().get(i), s.eos()[i]));
        }
        double t = cfg.rollout().temperature();
        Policy.Scores ps = policy.score(seqs, t, cfg.critic(), false);
        Policy.Scores rs = reference.score(seqs, t, false, false);
        double[] raw = reward.score(responses);
        if (raw.length != b) throw new IllegalStateException("the reward function returned " + raw.length + " scores for " + b + " responses");
        double[][] lp = new double[b][maxNew], ref = new double[b][maxNew], val = cfg.critic() ? new double[b][maxNew] : null;
        boolean[][] mask = new boolean[b][maxNew];
        for (int i = 0; i < b; i++) {
            int p = s.promptIds().get(i).length;
            for (int j = 0; j < s.responseIds().get(i).length; j++) {
                lp[i][j] = ps.tokenLogprobs().get(i)[p + j - 1];
                ref[i][j] = rs.tokenLogprobs().get(i)[p + j - 1];
                if (val != null) val[i][j] = ps.values().get(i)[p + j - 1];
                mask[i][j] = true;
            }
        }
        return new Scored(lp, ref, val, mask, raw);
    }

    // ---- 3. rewards, 4. advantages ----

    /** Per-token rewards; the KL term is left out (β = 0 here) when kl_penalty is "loss", where the loss carries it. */
    double[][] rewards(Scored sc, double[] scores, double beta) {
        double inReward = cfg.klPenaltyOrDefault() == PpoConfig.KlPenalty.REWARD ? beta : 0.0;
        return Rewards.perToken(sc.logprobs(), sc.refLogprobs(), sc.mask(), scores, inReward);
    }

    /**
     * The advantages the surrogate uses: PPO's GAE (whitened over the batch if configured) with its returns; RLOO's and
     * GRPO's one advantage per response, on every token of it, from the whole rewards of its prompt's k samples.
     */
    Advantages.Result advantages(double[][] rewards, Scored sc) {
        boolean[][] mask = sc.mask();
        return switch (cfg.algorithmOrDefault()) {
            case PPO -> {
                Advantages.Result gae = Advantages.gae(rewards, sc.values(), mask, cfg.gae().gamma(), cfg.gae().lambda());
                yield cfg.ppo().whitenAdvantages() ? new Advantages.Result(Advantages.whiten(gae.advantages(), mask), gae.returns()) : gae;
            }
            case RLOO -> new Advantages.Result(Advantages.perToken(Advantages.rloo(Advantages.sequenceRewards(rewards, mask), cfg.k()), mask), null);
            case GRPO -> new Advantages.Result(Advantages.perToken(
                    Advantages.grpo(Advantages.sequenceRewards(rewards, mask), cfg.k(), Advantages.GRPO_EPS), mask), null);
        };
    }

    static List<PpoLosses.Row> trainingRows(Samples s, Scored sc, Advantages.Result est) {
        List<PpoLosses.Row> rows = new ArrayList<>();
        for (int i = 0; i < s.size(); i++)
            rows.add(new PpoLosses.Row(concat(s.promptIds().get(i), s.responseIds().get(i)), s.promptIds().get(i).length,
                    sc.logprobs()[i], est.advantages()[i], est.returns() == null ? null : est.returns()[i],
                    sc.values() == null ? null : sc.values()[i], sc.refLogprobs()[i]));
        return rows;
    }

    // ---- 5. learn (with 7. ptx) ----

    LearnStats learn(int it, List<PpoLosses.Row> rows, double beta) {
        PpoConfig.Learn c = cfg.ppo();
        PpoLosses.Coefficients coef = cfg.klPenaltyOrDefault() == PpoConfig.KlPenalty.LOSS ? this.coef.withKlCoef(beta) : this.coef;
        boolean warmup = inWarmup(it);
        int perMb = c.minibatchSize(), nMb = c.minibatchesPer(rows.size());
        int steps = 0;
        boolean stopped = false;
        double pl = 0, vl = 0, ent = 0, klLoss = 0, ptxLoss = 0, gradNorm = 0, lr = 0, ratioDev = Double.NaN;
        PpoLosses.Stats total = PpoLosses.Stats.ZERO;
        long tokens = 0;
        epochs:
        for (int epoch = 0; epoch < c.epochs(); epoch++) {
            int[] order = SeededOrder.permutation(rows.size(), SeededOrder.mix(cfg.seed(), it, epoch, SHUFFLE));
            for (int mb = 0; mb < nMb; mb++) {
                long plannedStep = ((long) it * c.epochs() + epoch) * nMb + mb;
                List<PpoLosses.Row> mbRows = new ArrayList<>();
                for (int k = mb * perMb; k < (mb + 1) * perMb; k++) mbRows.add(rows.get(order[k]));
                double weight = 1.0 / Math.max(1, PpoLosses.responseTokens(mbRows));
                GptEngine e = engine();
                e.zeroGrad();
                Accumulated acc = workers == null ? accumulate(cfg, coef, e, mbRows, weight) : workers.gradient(mbRows, weight, coef, e);
                PpoLosses.Stats st = acc.stats();
                double mbPl = acc.policy(), mbVl = acc.value(), mbEnt = acc.entropy(), mbKl = acc.kl(), loss = acc.total();
                tokens += acc.tokens();
                if (epoch == 0 && mb == 0) ratioDev = st.maxAbsRatioDev();
                if (c.maxApproxKl() > 0 && st.meanApproxKl() > c.maxApproxKl()) {
                    stopped = true;          // this minibatch's update is not applied
                    break epochs;
                }
                double mbPtx = ptx == null || warmup ? 0 : ptxGradients(plannedStep);
                Map<String, INDArray> grads = e.gradients();
                if (warmup) grads.keySet().retainAll(VALUE_HEAD);       // value warm-up: the policy stays as sampled
                double stepLr = cfg.optim().lrAt(plannedStep, cfg.plannedSteps());
                boolean finite = Double.isFinite(loss + mbPtx);
                AdamW.StepInfo info = finite ? opt.step(policy.weights().arrays(), grads, stepLr, this::lrScale)
                        : new AdamW.StepInfo(false, Double.NaN, stepLr);
                if (!info.applied()) {
                    skippedTotal++;
                    if (++consecutiveSkips >= MAX_CONSECUTIVE_SKIPS)
                        throw new IllegalStateException("ppo: " + consecutiveSkips + " consecutive updates had a non-finite loss or gradient (iteration "
                                + (it + 1) + "); stopped. The last good checkpoint is last/ of the output directory");
                    continue;
                }
                consecutiveSkips = 0;
                steps++;
                pl += mbPl;
                vl += mbVl;
                ent += mbEnt;
                klLoss += mbKl;
                ptxLoss += mbPtx;
                gradNorm += info.gradNorm();
                lr = stepLr;
                total = total.plus(st);
            }
        }
        double n = Math.max(1, steps);
        double tok = Math.max(1, total.tokens());
        return new LearnStats(steps, stopped, pl / n, vl / n, coef.entropyCoef() > 0 ? ent / n : Double.NaN,
                coef.klCoef() > 0 ? klLoss / n : Double.NaN, total.clipped() / tok,
                total.valueClipped() / tok, total.meanApproxKl(), ptx == null || warmup ? Double.NaN : ptxLoss / n, gradNorm / n, lr, ratioDev, tokens);
    }

    /**
     * Forward and backward of {@code rows} in micro-batches of ppo.micro_batch_size, each token's loss × {@code weight},
     * the gradients adding up in {@code e}'s gradient buffer.
     */
    public static Accumulated accumulate(PpoConfig cfg, PpoLosses.Coefficients coef, GptEngine e, List<PpoLosses.Row> rows, double weight) {
        Accumulated acc = Accumulated.ZERO;
        for (int from = 0; from < rows.size(); from += cfg.ppo().microBatchSize()) {
            List<PpoLosses.Row> micro = rows.subList(from, Math.min(rows.size(), from + cfg.ppo().microBatchSize()));
            int len = paddedLength(micro, cfg.rollout().seqLen());
            Outputs out = e.forward(PpoLosses.engineBatch(micro, len, coef));
            Outputs.Grads g = Outputs.Grads.zerosLike(out);
            PpoLosses.Terms terms = PpoLosses.apply(micro, len, weight, coef, out, g);
            e.backward(g);
            acc = acc.plus(new Accumulated(terms.policy(), terms.value(), terms.entropy(), terms.kl(), terms.total(),
                    PpoLosses.stats(micro, len, out.logprob(), out.value(), coef), (long) micro.size() * len));
        }
        return acc;
    }

    /** The length a micro-batch is right-padded to ({@link EngineBatch#paddedLength}; most run at 96 or 128, not 164). */
    static int paddedLength(List<PpoLosses.Row> micro, int seqLen) {
        int longest = 0;
        for (PpoLosses.Row r : micro) longest = Math.max(longest, r.sequence().length);
        return EngineBatch.paddedLength(longest, seqLen);
    }

    /** Whether iteration {@code it} (0-based) is a value warm-up iteration: only the value head learns (PPO only). */
    boolean inWarmup(int it) {
        return cfg.critic() && it < cfg.ppo().warmupIterations();
    }

    /** The value head's parameters learn at ppo.value_lr, everything else at optim.lr. */
    private double lrScale(String name) {
        return VALUE_HEAD.contains(name) ? cfg.ppo().valueLrScale(cfg.optim().lr()) : 1.0;
    }

    /** PPO-ptx: adds the γ_ptx-weighted LM gradient of minibatch step {@code step}'s pretraining batch; returns the NLL. */
    double ptxGradients(long step) {
        TrainLoop.Micro m = ptx.micro(step, cfg.ptxCoef());
        Outputs out = engine().forward(m.batch());
        Outputs.Grads g = Outputs.Grads.zerosLike(out);
        double loss = m.loss().apply(out, g);
        engine().backward(g);
        return loss / cfg.ptxCoef();
    }

    private GptEngine engine() {
        if (engine == null) {
            engine = new GptEngine(policy.weights());
            if (engine.dropoutNote() != null) System.err.println("ppo: " + engine.dropoutNote());
        }
        return engine;
    }

    // ---- 6. KL, and metrics ----

    /** Mean over responses of Σ_t (log π − log π_ref): the sampled estimate of KL(π‖π_ref) per response. */
    static double klPerResponse(Scored sc) {
        double sum = 0;
        for (int i = 0; i < sc.mask().length; i++)
            for (int j = 0; j < sc.mask()[i].length; j++) if (sc.mask()[i][j]) sum += sc.logprobs()[i][j] - sc.refLogprobs()[i][j];
        return sum / Math.max(1, sc.mask().length);
    }

    /** Mean gold-judge score of the iteration's own samples whose prompt has a family and gold facts; NaN if none. */
    double goldScore(Samples s) {
        if (judge == null) return Double.NaN;
        double sum = 0;
        int n = 0;
        for (int i = 0; i < s.size(); i++) {
            PromptRecord p = s.prompts().get(i);
            if (p.family() == null || p.gold() == null) continue;
            sum += judge.score(Rollouts.info(p), s.texts().get(i), s.eos()[i]).score();
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The iteration's metrics line; every key is described in ppo/README.md. */
    private ObjectNode metricsLine(int it, Samples s, Scored sc, double[] scores, double[][] rewards, Advantages.Result est,
                                   LearnStats ls, double beta, double klPerResponse, double gold, long[] t) {
        int b = s.size();
        long responseTokens = 0;
        double lpSum = 0, klSum = 0, rewardSum = 0, eos = 0;
        for (int i = 0; i < b; i++) {
            eos += s.eos()[i] ? 1 : 0;
            for (int j = 0; j < maxNew; j++) {
                if (!sc.mask()[i][j]) continue;
                responseTokens++;
                lpSum += sc.logprobs()[i][j];
                klSum += sc.logprobs()[i][j] - sc.refLogprobs()[i][j];
                rewardSum += rewards[i][j];
            }
        }
        double tok = Math.max(1, responseTokens);
        ObjectNode m = JSON.createObjectNode();
        m.put("iteration", it + 1);
        m.put("algorithm", cfg.algorithmOrDefault().wireName());
        m.put("value_warmup", inWarmup(it));
        m.put("rm_score", mean(sc.rawScores()));
        m.put("score", mean(scores));
        if (Double.isNaN(gold)) m.putNull("gold_score");
        else m.put("gold_score", gold);
        m.put("reward_per_response", rewardSum / b);
        m.put("kl_per_token", klSum / tok);
        m.put("kl_per_response", klPerResponse);
        m.put("beta", beta);
        m.put("beta_next", kl.beta());
        m.put("entropy", -lpSum / tok);
        m.put("response_length", responseTokens / (double) b);
        m.put("eos_rate", eos / b);
        m.put("policy_loss", ls.policyLoss());
        if (cfg.critic()) m.put("value_loss", ls.valueLoss());
        else m.putNull("value_loss");                                  // RLOO, GRPO: no value head
        if (!Double.isNaN(ls.entropy())) m.put("entropy_graph", ls.entropy());
        if (cfg.klPenaltyOrDefault() == PpoConfig.KlPenalty.LOSS) putOrNull(m, "kl_loss", ls.klLoss());
        m.put("clip_fraction", ls.clipFraction());
        if (cfg.critic()) m.put("value_clip_fraction", ls.valueClipFraction());
        else m.putNull("value_clip_fraction");
        m.put("approx_kl", ls.approxKl());
        if (cfg.critic()) m.put("explained_variance", Advantages.explainedVariance(sc.values(), est.returns(), sc.mask()));
        else m.putNull("explained_variance");
        if (Double.isNaN(ls.ptxLoss())) m.putNull("ptx_loss");
        else m.put("ptx_loss", ls.ptxLoss());
        m.put("grad_norm", ls.gradNorm());
        m.put("lr", ls.lr());
        m.put("minibatch_steps", ls.steps());
        m.put("early_stopped", ls.earlyStopped());
        m.put("ratio_dev_first_minibatch", ls.ratioDevFirstMinibatch());
        m.put("skipped_updates_total", skippedTotal);
        double total = (t[4] - t[0]) / 1e9;
        m.put("tokens_per_s", responseTokens / total);
        m.put("generate_tokens_per_s", responseTokens / ((t[1] - t[0]) / 1e9));
        m.put("learn_tokens_per_s", ls.trainedTokens() / ((t[3] - t[2]) / 1e9));
        m.put("generate_s", (t[1] - t[0]) / 1e9);
        m.put("score_s", (t[2] - t[1]) / 1e9);
        m.put("learn_s", (t[3] - t[2]) / 1e9);
        m.put("gold_s", (t[4] - t[3]) / 1e9);
        m.put("iteration_s", total);
        m.put("sample_response", s.texts().get(0));
        return m;
    }

    private ObjectNode summarize(List<ObjectNode> metrics) {
        ObjectNode s = JSON.createObjectNode();
        s.put("stage", "ppo");
        s.put("algorithm", cfg.algorithmOrDefault().wireName());
        s.put("samples_per_prompt", cfg.k());
        s.put("kl_penalty", cfg.klPenaltyOrDefault().wireName());
        s.put("iterations", cfg.iterations());
        s.put("parameters", policy.parameterCount());
        s.put("training_prompts", prompts.size());
        s.put("skipped_updates", skippedTotal);
        s.put("final_beta", kl.beta());
        if (!metrics.isEmpty()) {
            int k = Math.min(5, metrics.size());
            for (String key : List.of("rm_score", "gold_score", "kl_per_response", "kl_per_token", "entropy", "response_length", "eos_rate")) {
                if (!metrics.get(0).hasNonNull(key)) continue;          // e.g. no gold score for prompts without gold facts
                s.put("first_" + key, metrics.get(0).get(key).asDouble());
                double sum = 0;
                for (int i = metrics.size() - k; i < metrics.size(); i++) sum += metrics.get(i).path(key).asDouble(Double.NaN);
                s.put("last" + k + "_" + key, sum / k);
            }
            double seconds = 0;
            for (ObjectNode m : metrics) seconds += m.path("iteration_s").asDouble();
            s.put("train_seconds", seconds);
        }
        return s;
    }

    // ---- checkpoints ----

    private ObjectNode trainerState(int iterationsDone) {
        ObjectNode st = JSON.createObjectNode();
        st.put("iteration", iterationsDone);
        st.put("beta", kl.beta());
        st.set("reward_stats", scoreStats.toJson());
        st.put("optimizer_steps", opt.steps());
        st.put("skipped_total", skippedTotal);
        st.put("seed", cfg.seed());
        st.put("algorithm", cfg.algorithmOrDefault().wireName());
        st.put("samples_per_prompt", cfg.k());
        st.put("kl_penalty", cfg.klPenaltyOrDefault().wireName());
        st.put("prompt_position", (long) iterationsDone * cfg.promptsPerIteration());
        return st;
    }

    /** Loads out/last into the live policy, optimizer and trainer state; returns the iteration to continue from. */
    private int restore(Path out, List<ObjectNode> metrics) throws IOException {
        Checkpoint.Contents c = Checkpoint.load(out.resolve(LAST));
        JsonNode st = c.trainerState();
        if (st == null || c.optimizer() == null) throw new IOException(out.resolve(LAST) + ": no trainer or optimizer state to resume from");
        if (st.path("seed").asLong() != cfg.seed())
            throw new IOException(out.resolve(LAST) + ": was trained with seed " + st.path("seed").asLong() + ", the config says " + cfg.seed());
        // checkpoints written before these keys existed were PPO, one sample per prompt, KL in the reward
        String[][] same = {{"algorithm", "ppo", cfg.algorithmOrDefault().wireName()}, {"samples_per_prompt", "1", String.valueOf(cfg.k())},
                {"kl_penalty", "reward", cfg.klPenaltyOrDefault().wireName()}};
        for (String[] key : same)
            if (!st.path(key[0]).asText(key[1]).equals(key[2]))
                throw new IOException(out.resolve(LAST) + ": was trained with " + key[0] + " " + st.path(key[0]).asText(key[1]) + ", the config says " + key[2]);
        policy.weights().assignFrom(c.policy().weights());
        opt.load(c.optimizer(), st.path("optimizer_steps").asLong());
        kl.setBeta(st.path("beta").asDouble());
        scoreStats = Rewards.RunningMoments.fromJson(st.path("reward_stats"));
        skippedTotal = st.path("skipped_total").asInt();
        int done = st.path("iteration").asInt();
        Path file = out.resolve(METRICS);
        if (Files.exists(file))
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                ObjectNode n = (ObjectNode) JSON.readTree(line);
                if (n.path("iteration").asInt() <= done) metrics.add(n);
            }
        return done;
    }

    // ---- small helpers ----

    static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A number, or null when it is NaN (a metric that does not apply to this algorithm or iteration). */
    private static void putOrNull(ObjectNode m, String key, double v) {
        if (Double.isNaN(v)) m.putNull(key);
        else m.put(key, v);
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return x.length == 0 ? Double.NaN : s / x.length;
    }
}
