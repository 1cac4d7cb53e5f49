package org.rlhf4j.ppo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.model.GptGraph;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.train.TrainGraph;

/**
 * The PPO loss, in one place. Over the response tokens of a minibatch (N of them; every sum below is weighted by 1/N,
 * so micro-batches add up to the minibatch's token mean):
 *
 * <pre>
 *   ratio_t     = exp(log π_θ(a_t|s_t) − log π_old(a_t|s_t))            (log-probs at the sampling temperature)
 *   policy loss = Σ_t max(−A_t·ratio_t, −A_t·clip(ratio_t, 1−ε, 1+ε)) / N
 *   value loss  = ½ Σ_t max((V_t − R_t)², (V_old,t + clip(V_t − V_old,t, −c, c) − R_t)²) / N
 *   entropy     = Σ_t H(π_θ(·|s_t)) / N                                   (only built when its coefficient is > 0)
 *   KL loss     = ½ Σ_t (log π_θ(a_t|s_t) − log π_ref(a_t|s_t))² / N       (kl_penalty "loss" only; coefficient β)
 *   loss        = policy loss + vf_coef · value loss − entropy_coef · entropy + β · KL loss
 * </pre>
 *
 * The critic-free modes (RLOO, GRPO; {@link Coefficients#critic} false) have no value head: no value output, no value
 * loss; the surrogate is the same. The KL loss is the "k2" estimator of KL(π_θ‖π_ref) on tokens sampled from the
 * policy: its gradient, (log π_θ − log π_ref)·∇log π_θ, has the expectation ∇KL(π_θ‖π_ref) under a ~ π_θ, exactly
 * on the first minibatch step of an iteration (π_θ = π_old) and approximately after it. GRPO's paper uses
 * π_ref/π_θ − log(π_ref/π_θ) − 1 ("k3") instead, whose gradient has the expectation ∇KL(π_ref‖π_θ), the other
 * direction; the reward-shaped penalty of InstructGPT is the default ({@link PpoConfig#klPenalty}).
 *
 * Training runs {@link #apply} on the engine's per-token outputs (log-probs, values, entropy) and the engine
 * back-propagates; {@link #build} is the same loss as a SameDiff graph, the oracle the engine path is tested against.
 * The value head shares the policy's backbone, so this is one forward and one backward. PPO-ptx's LM term is a second
 * micro-batch on the same engine ({@link PtxBatches}); its gradients add up before the optimizer step.
 *
 * <p>min, max and clip are built from relu (DL4J 1.0.0-M2.1's min/max give the whole gradient to both inputs on a
 * tie, and inside the clip range ratio·A == clip(ratio)·A is a tie, which doubled the policy gradient):
 * min(a, b) = a − relu(a − b), max(a, b) = b + relu(a − b), clip(x, lo, hi) = x − relu(x − hi) + relu(lo − x).
 */
public final class PpoLosses {
    /** [B, T] int32: the token at t+1 (the action taken in state t); 0 where unused. */
    public static final String TARGETS = "ppo_targets";
    /** [B·T] 1 where the target is a response token, else 0. */
    public static final String MASK = "ppo_mask";
    /** [B·T] 1/N where the target is a response token (N = the minibatch's response tokens), else 0. */
    public static final String WEIGHTS = "ppo_weights";
    /** [B·T] log π_old of the target, from the rollout; 0 elsewhere. */
    public static final String OLD_LOGPROBS = "ppo_old_logprobs";
    /** [B·T] advantage A_t (whitened if configured); 0 elsewhere. */
    public static final String ADVANTAGES = "ppo_advantages";
    /** [B·T] return R_t = A_t(raw) + V_old,t; 0 elsewhere. */
    public static final String RETURNS = "ppo_returns";
    /** [B·T] V_old,t, the value head's output at rollout time; 0 elsewhere. */
    public static final String OLD_VALUES = "ppo_old_values";
    /** [B·T] log π_ref of the target (the frozen reference, at the sampling temperature); 0 elsewhere. */
    public static final String REF_LOGPROBS = "ppo_ref_logprobs";

    /** Outputs: [B·T] log π_θ of the targets, [B·T] values, and the scalar loss terms. */
    public static final String LOGPROBS = "ppo_logprobs", VALUES = "ppo_values", POLICY_LOSS = "ppo_policy_loss",
            VALUE_LOSS = "ppo_value_loss", ENTROPY = "ppo_entropy", KL_LOSS = "ppo_kl_loss";

    /**
     * The loss's hyper-parameters (see {@link PpoConfig.Learn}).
     *
     * @param critic whether there is a value head and a value loss (PPO; false for RLOO and GRPO)
     * @param klCoef β of the KL loss term; 0 = no such term (the KL is in the reward, or β is 0)
     */
    public record Coefficients(double clip, double valueClip, double vfCoef, double entropyCoef, double temperature,
                               boolean critic, double klCoef) {
        /** PPO's coefficients: with a critic, no KL loss term. */
        public Coefficients(double clip, double valueClip, double vfCoef, double entropyCoef, double temperature) {
            this(clip, valueClip, vfCoef, entropyCoef, temperature, true, 0.0);
        }

        /** The config's coefficients, the KL loss term off (the trainer sets β per iteration with {@link #withKlCoef}). */
        public static Coefficients of(PpoConfig c) {
            return new Coefficients(c.ppo().clip(), c.ppo().valueClip(), c.ppo().vfCoef(), c.ppo().entropyCoef(), c.rollout().temperature(),
                    c.critic(), 0.0);
        }

        public Coefficients withKlCoef(double beta) {
            return new Coefficients(clip, valueClip, vfCoef, entropyCoef, temperature, critic, beta);
        }
    }

    private PpoLosses() {}

    // ---- the loss terms: small functions of graph variables, [B·T] in, scalar out ----

    /** Clipped surrogate, Σ w·max(−A·r, −A·clip(r, 1−ε, 1+ε)); the log-ratio is zeroed where mask = 0. */
    public static SDVariable policyLoss(SameDiff sd, SDVariable logprobs, SDVariable oldLogprobs, SDVariable advantages,
                                        SDVariable mask, SDVariable weights, double eps) {
        SDVariable ratio = sd.math().exp(logprobs.sub(oldLogprobs).mul(mask));
        SDVariable unclipped = advantages.mul(ratio).neg();
        SDVariable clipped = advantages.mul(clip(sd, ratio, 1 - eps, 1 + eps)).neg();
        return max(sd, unclipped, clipped).mul(weights).sum();
    }

    /** Clipped value loss, ½ Σ w·max((V − R)², (V_old + clip(V − V_old, −c, c) − R)²); c = 0 means unclipped. */
    public static SDVariable valueLoss(SameDiff sd, SDVariable values, SDVariable oldValues, SDVariable returns,
                                       SDVariable weights, double valueClip) {
        SDVariable err = values.sub(returns);
        SDVariable sq = err.mul(err);
        if (valueClip > 0) {
            SDVariable clippedErr = oldValues.add(clip(sd, values.sub(oldValues), -valueClip, valueClip)).sub(returns);
            sq = max(sd, sq, clippedErr.mul(clippedErr));
        }
        return sq.mul(weights).sum().mul(0.5);
    }

    /** The KL loss term, ½ Σ w·(mask·(log π − log π_ref))². */
    public static SDVariable klLoss(SDVariable logprobs, SDVariable refLogprobs, SDVariable mask, SDVariable weights) {
        SDVariable d = logprobs.sub(refLogprobs).mul(mask);
        return d.mul(d).mul(weights).sum().mul(0.5);
    }

    /** [B·T] entropy of softmax(logits / temperature) at every position: −Σ_v p_v log p_v. */
    public static SDVariable entropy(SameDiff sd, SDVariable logits, SDVariable temperature) {
        SDVariable logp = sd.nn().logSoftmax(logits.div(temperature));
        return sd.math().exp(logp).mul(logp).sum(1).neg();
    }

    /** min(a, b) = a − relu(a − b): on a tie the gradient goes to one side only. */
    public static SDVariable min(SameDiff sd, SDVariable a, SDVariable b) {
        return a.sub(sd.nn().relu(a.sub(b), 0.0));
    }

    /** max(a, b) = b + relu(a − b). */
    public static SDVariable max(SameDiff sd, SDVariable a, SDVariable b) {
        return b.add(sd.nn().relu(a.sub(b), 0.0));
    }

    /** clip(x, lo, hi) = x − relu(x − hi) + relu(lo − x): gradient 1 inside, 0 outside. */
    public static SDVariable clip(SameDiff sd, SDVariable x, double lo, double hi) {
        return x.sub(sd.nn().relu(x.sub(hi), 0.0)).add(sd.nn().relu(x.rsub(lo), 0.0));
    }

    // ---- the graph ----

    public static TrainGraph.LossBuilder builder(Coefficients c) {
        return (sd, out) -> build(sd, out, c);
    }

    /**
     * Adds the placeholders and the loss to a policy graph (with a value head when {@code c.critic()}); returns the
     * scalar loss. Every placeholder is declared whichever terms are on, so {@link #feeds} fits every variant.
     */
    public static SDVariable build(SameDiff sd, GptGraph.Outputs out, Coefficients c) {
        if (c.critic() && !out.heads().containsKey(GptWeights.Head.VALUE)) throw new IllegalArgumentException("the PPO graph needs the policy's value head");
        DataType dt = out.logits().dataType();
        SDVariable targets = sd.placeHolder(TARGETS, DataType.INT, -1, out.seqLen());
        SDVariable mask = sd.placeHolder(MASK, dt, -1);
        SDVariable weights = sd.placeHolder(WEIGHTS, dt, -1);
        SDVariable oldLogprobs = sd.placeHolder(OLD_LOGPROBS, dt, -1);
        SDVariable advantages = sd.placeHolder(ADVANTAGES, dt, -1);
        SDVariable returns = sd.placeHolder(RETURNS, dt, -1);
        SDVariable oldValues = sd.placeHolder(OLD_VALUES, dt, -1);
        SDVariable refLogprobs = sd.placeHolder(REF_LOGPROBS, dt, -1);
        int vocab = (int) sd.getVariable(GptWeights.WTE).getArr().size(0);
        SDVariable temperature = sd.constant("ppo_temperature", Nd4j.scalar(dt, c.temperature()));

        SDVariable logprobs = sd.identity(LOGPROBS, GptGraph.tokenLogprobs(sd, out.logits(), targets, temperature, vocab)); // (B·T)
        SDVariable loss = sd.identity(POLICY_LOSS, policyLoss(sd, logprobs, oldLogprobs, advantages, mask, weights, c.clip()));
        if (c.critic()) {
            SDVariable values = sd.identity(VALUES, out.heads().get(GptWeights.Head.VALUE));                              // (B·T)
            SDVariable value = sd.identity(VALUE_LOSS, valueLoss(sd, values, oldValues, returns, weights, c.valueClip()));
            loss = loss.add(value.mul(c.vfCoef()));
        }
        if (c.klCoef() > 0) loss = loss.add(sd.identity(KL_LOSS, klLoss(logprobs, refLogprobs, mask, weights)).mul(c.klCoef()));
        if (c.entropyCoef() > 0) {
            SDVariable ent = sd.identity(ENTROPY, entropy(sd, out.logits(), temperature).mul(weights).sum());
            loss = loss.sub(ent.mul(c.entropyCoef()));
        }
        return loss;
    }

    /** The outputs to request from {@link TrainGraph#run} besides the loss. */
    public static String[] outputs(Coefficients c) {
        List<String> o = new ArrayList<>(List.of(LOGPROBS, POLICY_LOSS));
        if (c.critic()) o.addAll(List.of(VALUES, VALUE_LOSS));
        if (c.entropyCoef() > 0) o.add(ENTROPY);
        if (c.klCoef() > 0) o.add(KL_LOSS);
        return o.toArray(new String[0]);
    }

    // ---- feeds ----

    /**
     * One response ready for training. Response token j sits at {@code sequence[promptLength + j]} and is predicted at
     * position {@code promptLength + j − 1}; the per-token arrays are indexed by j and have at least L entries.
     *
     * @param sequence     prompt ids + response ids (EOS included when emitted)
     * @param promptLength P, the number of prompt ids
     * @param oldLogprobs  (L) log π_old(token j)
     * @param advantages   (L) A_j as used in the surrogate
     * @param returns      (L) R_j; null without a critic
     * @param oldValues    (L) V_old at the state before token j; null without a critic
     * @param refLogprobs  (L) log π_ref(token j), read by the KL loss term; null when that term is off
     */
    public record Row(int[] sequence, int promptLength, double[] oldLogprobs, double[] advantages, double[] returns, double[] oldValues,
                      double[] refLogprobs) {
        /** A row for PPO without the KL loss term. */
        public Row(int[] sequence, int promptLength, double[] oldLogprobs, double[] advantages, double[] returns, double[] oldValues) {
            this(sequence, promptLength, oldLogprobs, advantages, returns, oldValues, null);
        }

        public int responseLength() {
            return sequence.length - promptLength;
        }
    }

    /** Response tokens in these rows (the N of the 1/N weights). */
    public static int responseTokens(List<Row> rows) {
        int n = 0;
        for (Row r : rows) n += r.responseLength();
        return n;
    }

    /** Feeds for one micro-batch: rows right-padded to {@code seqLen}; {@code weight} = 1/N of the whole minibatch. */
    public static Map<String, INDArray> feeds(List<Row> rows, int seqLen, double weight, DataType dt) {
        List<int[]> seqs = new ArrayList<>();
        for (Row r : rows) seqs.add(r.sequence());
        TokenBatch batch = TokenBatch.rightPadded(seqs, seqLen);
        int b = rows.size();
        int[][] targets = new int[b][seqLen];
        double[] mask = new double[b * seqLen], w = new double[b * seqLen], oldLp = new double[b * seqLen],
                adv = new double[b * seqLen], ret = new double[b * seqLen], oldV = new double[b * seqLen], ref = new double[b * seqLen];
        for (int r = 0; r < b; r++) {
            Row row = rows.get(r);
            if (row.promptLength() < 1) throw new IllegalArgumentException("row " + r + ": a prompt needs at least one token");
            for (int j = 0; j < row.responseLength(); j++) {
                int t = row.promptLength() + j - 1;
                int i = r * seqLen + t;
                targets[r][t] = row.sequence()[row.promptLength() + j];
                mask[i] = 1;
                w[i] = weight;
                oldLp[i] = row.oldLogprobs()[j];
                adv[i] = row.advantages()[j];
                if (row.returns() != null) ret[i] = row.returns()[j];
                if (row.oldValues() != null) oldV[i] = row.oldValues()[j];
                if (row.refLogprobs() != null) ref[i] = row.refLogprobs()[j];
            }
        }
        Map<String, INDArray> f = new HashMap<>();
        f.put(GptGraph.TOKENS, batch.idsArray());
        f.put(GptGraph.POSITIONS, batch.positionsArray());
        f.put(GptGraph.ATTN_BIAS, batch.attentionBias(dt));
        f.put(TARGETS, Nd4j.createFromArray(targets).castTo(DataType.INT));
        f.put(MASK, vector(mask, dt));
        f.put(WEIGHTS, vector(w, dt));
        f.put(OLD_LOGPROBS, vector(oldLp, dt));
        f.put(ADVANTAGES, vector(adv, dt));
        f.put(RETURNS, vector(ret, dt));
        f.put(OLD_VALUES, vector(oldV, dt));
        f.put(REF_LOGPROBS, vector(ref, dt));
        return f;
    }

    static INDArray vector(double[] v, DataType dt) {
        return Nd4j.createFromArray(v).castTo(dt);
    }

    // ---- the loss on the training engine's per-token outputs ----

    /**
     * One micro-batch's loss terms, each a 1/N-weighted sum over its response tokens (as the graph's outputs); {@code kl}
     * before its coefficient β (0 when the term is off), {@code value} NaN without a critic; {@code total} weighs them.
     */
    public record Terms(double policy, double value, double entropy, double kl, double total) {}

    /**
     * What the engine computes for a micro-batch: rows right-padded to {@code len}, log-probs of each response token
     * at the sampling temperature (at the position before it), values everywhere when there is a critic, entropy when
     * its coefficient is on.
     */
    public static EngineBatch engineBatch(List<Row> rows, int len, Coefficients c) {
        List<int[]> seqs = new ArrayList<>();
        for (Row r : rows) seqs.add(r.sequence());
        int[] targets = new int[rows.size() * len];
        java.util.Arrays.fill(targets, -1);
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            if (row.promptLength() < 1) throw new IllegalArgumentException("row " + r + ": a prompt needs at least one token");
            for (int j = 0; j < row.responseLength(); j++) targets[r * len + row.promptLength() + j - 1] = row.sequence()[row.promptLength() + j];
        }
        EngineBatch b = EngineBatch.of(TokenBatch.rightPadded(seqs, len)).withTargets(targets).withTemperature(c.temperature(), c.entropyCoef() > 0);
        return c.critic() ? b.withValues() : b;
    }

    /**
     * The PPO loss of the class comment on the engine's outputs, and its gradient with respect to them, written into
     * {@code grads}: per response token t (weight w = 1/N of the minibatch),
     * <pre>
     *   ∂/∂ log π_t = w · ratio_t · (−A_t, if the unclipped term is the larger; −A_t · [1−ε ≤ ratio_t ≤ 1+ε] otherwise)
     *                 + β · w · (log π_t − log π_ref,t)                       (the KL loss term, when β = klCoef > 0)
     *   ∂/∂ V_t     = vf_coef · w · (V_t − R_t, if the unclipped error is the larger; else the clipped error
     *                 · [|V_t − V_old,t| ≤ c])                                (with a critic only)
     *   ∂/∂ H_t     = −entropy_coef · w
     * </pre>
     * Ties go to the clipped branch, as max(a, b) = b + relu(a − b) does in the graph; both branches have the same
     * gradient there except exactly at the clip boundary.
     */
    public static Terms apply(List<Row> rows, int len, double weight, Coefficients c, Outputs out, Outputs.Grads grads) {
        double pl = 0, vl = 0, ent = 0, kl = 0;
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            for (int j = 0; j < row.responseLength(); j++) {
                int i = r * len + row.promptLength() + j - 1;
                double a = row.advantages()[j], ratio = Math.exp(out.logprob()[i] - row.oldLogprobs()[j]);
                double clipped = Math.max(1 - c.clip(), Math.min(1 + c.clip(), ratio));
                double un = -a * ratio, cl = -a * clipped;
                pl += weight * Math.max(un, cl);
                boolean inside = ratio >= 1 - c.clip() && ratio <= 1 + c.clip();
                grads.logprob()[i] = weight * ratio * (un > cl ? -a : inside ? -a : 0);
                if (c.klCoef() > 0) {
                    double d = out.logprob()[i] - row.refLogprobs()[j];
                    kl += 0.5 * weight * d * d;
                    grads.logprob()[i] += c.klCoef() * weight * d;
                }
                if (c.entropyCoef() > 0) {
                    ent += weight * out.entropy()[i];
                    grads.entropy()[i] = -c.entropyCoef() * weight;
                }
                if (!c.critic()) continue;

                double v = out.value()[i], err = v - row.returns()[j], sq = err * err, dv = err;
                if (c.valueClip() > 0) {
                    double delta = v - row.oldValues()[j];
                    double cErr = row.oldValues()[j] + Math.max(-c.valueClip(), Math.min(c.valueClip(), delta)) - row.returns()[j];
                    if (!(sq > cErr * cErr)) {
                        sq = cErr * cErr;
                        dv = Math.abs(delta) <= c.valueClip() ? cErr : 0;
                    }
                }
                vl += 0.5 * weight * sq;
                grads.value()[i] = c.vfCoef() * weight * dv;
            }
        }
        return new Terms(pl, c.critic() ? vl : Double.NaN, ent, kl, pl + (c.critic() ? c.vfCoef() * vl : 0) - c.entropyCoef() * ent + c.klCoef() * kl);
    }

    // ---- diagnostics computed on the host from a forward's outputs ----

    /** Sums over a micro-batch's response tokens, to be added up over a minibatch. */
    public record Stats(int tokens, double approxKl, int clipped, int valueClipped, double maxAbsRatioDev) {
        public static final Stats ZERO = new Stats(0, 0, 0, 0, 0);

        public Stats plus(Stats o) {
            return new Stats(tokens + o.tokens, approxKl + o.approxKl, clipped + o.clipped, valueClipped + o.valueClipped,
                    Math.max(maxAbsRatioDev, o.maxAbsRatioDev));
        }

        /** Mean over tokens of (r − 1) − log r, the low-variance KL(π_old‖π_θ) estimate. */
        public double meanApproxKl() {
            return tokens == 0 ? 0 : approxKl / tokens;
        }
    }

    /** Approximate KL, clip counts and the largest |ratio − 1| over the rows' response tokens. */
    public static Stats stats(List<Row> rows, int seqLen, INDArray logprobs, INDArray values, Coefficients c) {
        return stats(rows, seqLen, logprobs.castTo(DataType.DOUBLE).toDoubleVector(), values == null ? null : values.castTo(DataType.DOUBLE).toDoubleVector(), c);
    }

    /** As above, on flat [B·T] arrays (the engine's outputs). */
    public static Stats stats(List<Row> rows, int seqLen, double[] lp, double[] v, Coefficients c) {
        int tokens = 0, clipped = 0, vClipped = 0;
        double kl = 0, dev = 0;
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            for (int j = 0; j < row.responseLength(); j++) {
                int i = r * seqLen + row.promptLength() + j - 1;
                double logRatio = lp[i] - row.oldLogprobs()[j];
                double ratio = Math.exp(logRatio);
                tokens++;
                kl += (ratio - 1) - logRatio;
                if (Math.abs(ratio - 1) > c.clip()) clipped++;
                if (v != null && c.valueClip() > 0 && Math.abs(v[i] - row.oldValues()[j]) > c.valueClip()) vClipped++;
                dev = Math.max(dev, Math.abs(ratio - 1));
            }
        }
        return new Stats(tokens, kl, clipped, vClipped, dev);
    }
}
