package org.rlhf4j.data.rank;

import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.format.RankedPair;

/**
 * One micro-batch of a pairwise loss on rankings (the reward model's, DPO's and IPO's): every response of its prompts as one row (scored once), and every ranked pair
 * as (winner row, loser row, weight). Rows of prompt i are consecutive. With N pairs and R rows:
 *
 * @param rows         R token sequences (Σ K_i, never Σ C(K_i, 2))
 * @param winner       [N] row of the preferred response of each pair
 * @param loser        [N] row of the other response
 * @param weight       [N] the pair's share of the optimizer step's loss (see {@link LossMode}); the step's weights sum
 *                     to 1 over all its micro-batches
 * @param prompt       [N] index (within this batch) of the prompt the pair belongs to
 * @param rankDistance [N] how many places apart the two were ranked
 */
public record PairBatch(List<int[]> rows, int[] winner, int[] loser, double[] weight, int[] prompt, int[] rankDistance) {

    public int pairs() {
        return winner.length;
    }

    /** C(k, 2). */
    public static int pairCount(int k) {
        return k * (k - 1) / 2;
    }

    /** Σ C(K_i, 2) over prompts. */
    public static long pairCount(List<RankedPrompt> prompts) {
        long n = 0;
        for (RankedPrompt p : prompts) n += pairCount(p.k());
        return n;
    }

    /**
     * The weight of one pair of a prompt with K responses, in a step of {@code promptsInStep} prompts holding
     * {@code pairsInStep} pairs: grouped 1/(C(K,2)·prompts), independent 1/pairs.
     */
    public static double pairWeight(LossMode mode, int k, int promptsInStep, long pairsInStep) {
        return switch (mode) {
            case GROUPED -> 1.0 / (pairCount(k) * (double) promptsInStep);
            case INDEPENDENT -> 1.0 / pairsInStep;
            case PLACKETT_LUCE -> throw new IllegalArgumentException("plackett_luce is a listwise loss: it has no pair weights");
        };
    }

    /** A micro-batch of {@code prompts}, weighted as part of a step of {@code promptsInStep} prompts and {@code pairsInStep} pairs. */
    public static PairBatch of(List<RankedPrompt> prompts, LossMode mode, int promptsInStep, long pairsInStep) {
        List<int[]> rows = new ArrayList<>();
        int n = (int) pairCount(prompts);
        int[] w = new int[n], l = new int[n], pr = new int[n], dist = new int[n];
        double[] weight = new double[n];
        int p = 0;
        for (int i = 0; i < prompts.size(); i++) {
            RankedPrompt rp = prompts.get(i);
            int first = rows.size();
            rows.addAll(rp.rows());
            double pw = pairWeight(mode, rp.k(), promptsInStep, pairsInStep);
            for (RankedPair pair : rp.pairs()) {
                w[p] = first + pair.winner();
                l[p] = first + pair.loser();
                weight[p] = pw;
                pr[p] = i;
                dist[p] = pair.rankDistance();
                p++;
            }
        }
        return new PairBatch(rows, w, l, weight, pr, dist);
    }

    /** A whole optimizer step (or evaluation set) as one batch. */
    public static PairBatch of(List<RankedPrompt> prompts, LossMode mode) {
        return of(prompts, mode, prompts.size(), pairCount(prompts));
    }
}
