package org.rlhf4j.reward;

import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.LossMode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.TokenLoss;
import org.rlhf4j.policy.model.GptGraph;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.train.TrainGraph;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * The reward model's ranking loss, −Σ_p w_p · log σ(r_{w(p)} − r_{l(p)} − margin), in two parts so each can be tested
 * alone:
 * <ol>
 *   <li>{@link #rewardsAtLastToken}: the reward head's flat output [R·T] times a one-hot "last real token" mask [R·T],
 *       summed per row → r [R] (no gather: docs/nd4j-notes.md, defect 4);</li>
 *   <li>{@link #pairLoss}: Δ = P · r with the pair matrix P [N, R] (+1 at the winner's row, −1 at the loser's), then
 *       the weighted negative log-sigmoid of Δ − margin.</li>
 * </ol>
 * {@link #loss(double[], PairBatch, double)} is the same function in plain doubles (the validation loss). Training runs
 * {@link #micro} / {@link #onRewards} on the engine's per-row rewards; the SameDiff graph ({@link #builder}) is the
 * oracle it is tested against.
 */
public final class PairLoss {
    /** [R·T] 1 at each row's last real token (the EOS closing the response), 0 elsewhere. */
    public static final String LAST_TOKEN = "rm_last_token";
    /** [N, R] pair matrix: +1 at (p, winner row), −1 at (p, loser row). */
    public static final String PAIRS = "rm_pairs";
    /** [N] each pair's weight (grouped or independent, see {@link LossMode}). */
    public static final String PAIR_WEIGHTS = "rm_pair_weights";
    /** Output [R]: the reward of each row. */
    public static final String REWARDS = "rm_rewards";
    /** Output [N]: r_w − r_l of each pair. */
    public static final String DELTAS = "rm_deltas";

    private PairLoss() {}

    /** The loss on top of the backbone (which must have the reward head). */
    public static TrainGraph.LossBuilder builder(double margin) {
        return (sd, out) -> {
            SDVariable head = out.heads().get(Head.REWARD);
            if (head == null) throw new IllegalStateException("the reward model needs a reward head");
            return pairLoss(sd, rewardsAtLastToken(sd, head, out.seqLen()), margin);
        };
    }

    /** r [R]: the flat head output [R·T] read at each row's last real token. */
    public static SDVariable rewardsAtLastToken(SameDiff sd, SDVariable headFlat, int seqLen) {
        SDVariable last = sd.placeHolder(LAST_TOKEN, headFlat.dataType(), -1);
        return sd.sum(REWARDS, headFlat.mul(last).reshape(-1, seqLen), 1);                   // (R)
    }

    /** −Σ w_p · log σ(Δ_p − margin) with Δ = P · r; {@code rewards} is [R]. */
    public static SDVariable pairLoss(SameDiff sd, SDVariable rewards, double margin) {
        DataType dt = rewards.dataType();
        SDVariable pairs = sd.placeHolder(PAIRS, dt, -1, -1);                                  // (N, R)
        SDVariable weights = sd.placeHolder(PAIR_WEIGHTS, dt, -1);                             // (N)
        SDVariable delta = sd.reshape(DELTAS, pairs.mmul(rewards.reshape(-1, 1)), -1);         // (N)
        return logSigmoid(sd, delta.sub(margin)).mul(weights).sum().neg();
    }

    /**
     * log σ(x) = min(x, 0) − log(1 + exp(−|x|)), stable for any x, composed from primitives. min(x, 0) is written
     * (x − |x|)/2 rather than −relu(−x): both kinked terms then use abs, whose derivative at 0 is sign(0) = 0 in each,
     * so the total gradient at x = 0 is the true σ(0) = 1/2 (with relu it would come out 0 there; a test checks it).
     */
    public static SDVariable logSigmoid(SameDiff sd, SDVariable x) {
        SDVariable abs = sd.math().abs(x);
        SDVariable minWithZero = x.sub(abs).mul(0.5);
        return minWithZero.sub(sd.math().log1p(sd.math().exp(abs.neg())));
    }

    /** log σ(x) in doubles, stable for any x. */
    public static double logSigmoid(double x) {
        return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** The loss in plain doubles: −Σ w_p · log σ(r_w − r_l − margin). */
    public static double loss(double[] rewards, PairBatch b, double margin) {
        double l = 0;
        for (int p = 0; p < b.pairs(); p++) l -= b.weight()[p] * logSigmoid(rewards[b.winner()[p]] - rewards[b.loser()[p]] - margin);
        return l;
    }

    /**
     * One micro-batch for the training engine: each response a row, right-padded to {@code seqLen}, the reward head
     * read at its last real token, and the loss on those rewards ({@link #onRewards}).
     */
    public static TrainLoop.Micro micro(PairBatch b, int seqLen, double margin) {
        TokenBatch tb = TokenBatch.rightPadded(b.rows(), seqLen);
        int[] last = new int[b.rows().size()];
        for (int r = 0; r < last.length; r++) last[r] = b.rows().get(r).length - 1;
        return new TrainLoop.Micro(EngineBatch.of(tb).withRewardAt(last), onRewards(b, margin));
    }

    /**
     * −Σ_p w_p · log σ(Δ_p − margin), Δ_p = r_{w(p)} − r_{l(p)}, on the engine's rewards; its gradient is
     * ∂/∂r_w = −w_p·σ(margin − Δ_p) and ∂/∂r_l = +w_p·σ(margin − Δ_p).
     */
    public static TokenLoss onRewards(PairBatch b, double margin) {
        return (out, grads) -> {
            double[] r = out.reward(), dr = grads.reward();
            for (int p = 0; p < b.pairs(); p++) {
                double x = r[b.winner()[p]] - r[b.loser()[p]] - margin;
                double g = b.weight()[p] / (1 + Math.exp(x));          // w·σ(−x)
                dr[b.winner()[p]] -= g;
                dr[b.loser()[p]] += g;
            }
            return loss(r, b, margin);
        };
    }

    /** Every feed of one micro-batch: the model's (tokens, positions, attention bias) and the loss's. */
    public static Map<String, INDArray> feeds(PairBatch b, int seqLen, DataType dtype) {
        TokenBatch tb = TokenBatch.rightPadded(b.rows(), seqLen);
        Map<String, INDArray> f = new HashMap<>();
        f.put(GptGraph.TOKENS, tb.idsArray());
        f.put(GptGraph.POSITIONS, tb.positionsArray());
        f.put(GptGraph.ATTN_BIAS, tb.attentionBias(dtype));
        f.put(LAST_TOKEN, lastTokenMask(b.rows(), seqLen, dtype));
        f.putAll(pairFeeds(b, dtype));
        return f;
    }

    /** [R·T] one-hot of each row's last real token. */
    public static INDArray lastTokenMask(List<int[]> rows, int seqLen, DataType dtype) {
        double[] m = new double[rows.size() * seqLen];
        for (int r = 0; r < rows.size(); r++) m[r * seqLen + rows.get(r).length - 1] = 1;
        return Nd4j.create(m, new long[] {m.length}, 'c').castTo(dtype);
    }

    /** The pair matrix and pair weights. */
    public static Map<String, INDArray> pairFeeds(PairBatch b, DataType dtype) {
        int n = b.pairs(), r = b.rows().size();
        double[] p = new double[n * r];
        for (int i = 0; i < n; i++) {
            p[i * r + b.winner()[i]] = 1;
            p[i * r + b.loser()[i]] = -1;
        }
        Map<String, INDArray> f = new HashMap<>();
        f.put(PAIRS, Nd4j.create(p, new long[] {n, r}, 'c').castTo(dtype));
        f.put(PAIR_WEIGHTS, Nd4j.create(b.weight(), new long[] {n}, 'c').castTo(dtype));
        return f;
    }
}
