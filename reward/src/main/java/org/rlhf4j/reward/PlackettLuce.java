package org.rlhf4j.reward;

import org.rlhf4j.data.rank.RankedPrompt;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.TokenLoss;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * The Plackett-Luce reward-model loss ({@code mode: plackett_luce}): the negative log-likelihood of each prompt's whole
 * ranking σ (best first) under "pick the best of the responses left, with probability ∝ exp r":
 *
 * <pre>
 *   L_i = −Σ_{j=0}^{K−2} [ r_σ(j) − log Σ_{k≥j} exp r_σ(k) ]        (the j = K−1 term is log 1 = 0)
 *   L   = Σ_i w_i · L_i,   w_i = 1 / prompts in the step
 * </pre>
 *
 * Its gradient: with p_j(m) = exp r_σ(m) / Σ_{k≥j} exp r_σ(k) (the softmax over the suffix from position j),
 * ∂L_i/∂r_σ(m) = Σ_{j ≤ min(m, K−2)} p_j(m) − [m ≤ K−2]. At K = 2 it is −log σ(r_w − r_l), the pairwise loss.
 * Like {@link PairLoss}, a function of the engine's per-row rewards only.
 */
public final class PlackettLuce {
    private PlackettLuce() {}

    /**
     * One micro-batch: every response of its prompts as one row (prompt i's rows consecutive), and each prompt's
     * ranking as row indices best first.
     *
     * @param rows   R token sequences (Σ K_i)
     * @param order  per prompt, its rows from best to worst
     * @param weight per prompt, its share of the optimizer step's loss (the step's weights sum to 1)
     */
    public record Lists(List<int[]> rows, int[][] order, double[] weight) {}

    /** The prompts of a micro-batch, each weighted 1/{@code promptsInStep}. */
    public static Lists of(List<RankedPrompt> prompts, int promptsInStep) {
        List<int[]> rows = new ArrayList<>();
        int[][] order = new int[prompts.size()][];
        double[] weight = new double[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            RankedPrompt rp = prompts.get(i);
            int first = rows.size();
            rows.addAll(rp.rows());
            order[i] = new int[rp.k()];
            for (int j = 0; j < rp.k(); j++) order[i][j] = first + rp.ranking().ranking().get(j);
            weight[i] = 1.0 / promptsInStep;
        }
        return new Lists(rows, order, weight);
    }

    /** A whole step (or evaluation set) as one batch. */
    public static Lists of(List<RankedPrompt> prompts) {
        return of(prompts, prompts.size());
    }

    /** The loss in plain doubles: Σ_i w_i · L_i. */
    public static double loss(double[] r, Lists b) {
        double l = 0;
        for (int i = 0; i < b.order().length; i++) l += b.weight()[i] * listLoss(r, b.order()[i]);
        return l;
    }

    /** −log P(σ) of one ranking σ (row indices best first); the log-sum-exp of each suffix is taken stably. */
    static double listLoss(double[] r, int[] sigma) {
        double l = 0;
        for (int j = 0; j + 1 < sigma.length; j++) l += logSumExp(r, sigma, j) - r[sigma[j]];
        return l;
    }

    /** log Σ_{k≥j} exp r_σ(k). */
    static double logSumExp(double[] r, int[] sigma, int j) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = j; k < sigma.length; k++) max = Math.max(max, r[sigma[k]]);
        double s = 0;
        for (int k = j; k < sigma.length; k++) s += Math.exp(r[sigma[k]] - max);
        return max + Math.log(s);
    }

    /** The loss on the engine's per-row rewards, and its gradient (see the class comment). */
    public static TokenLoss onRewards(Lists b) {
        return (out, grads) -> {
            double[] r = out.reward(), dr = grads.reward();
            for (int i = 0; i < b.order().length; i++) {
                int[] sigma = b.order()[i];
                double w = b.weight()[i];
                for (int j = 0; j + 1 < sigma.length; j++) {
                    double lse = logSumExp(r, sigma, j);
                    for (int k = j; k < sigma.length; k++) dr[sigma[k]] += w * Math.exp(r[sigma[k]] - lse);
                    dr[sigma[j]] -= w;
                }
            }
            return loss(r, b);
        };
    }

    /** One micro-batch for the training engine: rows right-padded to {@code seqLen}, the reward head at each EOS. */
    public static TrainLoop.Micro micro(Lists b, int seqLen) {
        TokenBatch tb = TokenBatch.rightPadded(b.rows(), seqLen);
        int[] last = new int[b.rows().size()];
        for (int r = 0; r < last.length; r++) last[r] = b.rows().get(r).length - 1;
        return new TrainLoop.Micro(EngineBatch.of(tb).withRewardAt(last), onRewards(b));
    }
}
