package org.rlhf4j.dpo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.rank.LossMode;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.policy.engine.Outputs;

/** DPO's and IPO's loss on per-token log-probs fed directly: hand computations, gradients, and the DPO limit. */
class DpoLossTest {
    static final int LEN = 8;

    /** A ranking whose rows are {@code promptTokens} prompt tokens followed by response i (lengths differ per row). */
    static RankedPrompt prompt(List<Integer> ranking, int promptTokens) {
        List<String> responses = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        for (int i = 0; i < ranking.size(); i++) {
            responses.add("response " + i);
            rows.add(new int[promptTokens + 1 + (i % 3)]);
        }
        return new RankedPrompt(new Ranking("p", responses, ranking, "ann"), rows, promptTokens);
    }

    /** Loss and per-token gradient of the TokenLoss on flat log-probs [rows · LEN]. */
    static double apply(PairBatch b, DpoLoss.Spans spans, double[] ref, double[] logprob, PreferenceLoss kind, double beta, double[] gradOut) {
        Outputs.Grads g = new Outputs.Grads(gradOut, null, null, null);
        return DpoLoss.onLogprobs(b, spans, ref, LEN, kind, beta).apply(new Outputs(logprob, null, null, null), g);
    }

    @Test
    void aK3RankingMatchesAHandComputationForDpoAndIpo() {
        // ranking [2, 0, 1]; s = (−3, −5, −2), ref = (−4, −4, −4): log-ratios d = (1, −1, 2)
        // pairs (2>0), (2>1), (0>1): margins m = 1, 3, 2; grouped weight 1/3 each; β = 0.5
        List<RankedPrompt> ps = List.of(prompt(List.of(2, 0, 1), 2));
        PairBatch b = PairBatch.of(ps, LossMode.GROUPED);
        double[] s = {-3, -5, -2}, ref = {-4, -4, -4};
        assertArrayEquals(new double[] {1, 3, 2}, DpoLoss.margins(s, ref, b), 1e-15);
        // DPO: (log(1 + e^−0.5) + log(1 + e^−1.5) + log(1 + e^−1)) / 3
        double dpo = (0.4740769841801067 + 0.2014132779827524 + 0.31326168751822286) / 3;
        assertEquals(0.3295839832270273, dpo, 1e-15);
        assertEquals(dpo, DpoLoss.loss(s, ref, b, PreferenceLoss.DPO, 0.5), 1e-12);
        // IPO: ((1 − 1)² + (3 − 1)² + (2 − 1)²) / 3, the target margin being 1/(2β) = 1
        assertEquals(5 / 3.0, DpoLoss.loss(s, ref, b, PreferenceLoss.IPO, 0.5), 1e-12);

        // the same through the TokenLoss: s spread over each row's response slots, nothing elsewhere counts
        DpoLoss.Spans spans = DpoLoss.Spans.of(ps);
        assertArrayEquals(new int[] {1, 1, 1}, spans.from(), "the first response token is predicted at the last prompt slot");
        assertArrayEquals(new int[] {2, 3, 4}, spans.to());
        double[] lp = new double[3 * LEN];
        java.util.Arrays.fill(lp, -100);                               // outside the spans: must be ignored
        lp[1] = -3;
        lp[LEN + 1] = -2;
        lp[LEN + 2] = -3;
        lp[2 * LEN + 1] = -0.5;
        lp[2 * LEN + 2] = -1;
        lp[2 * LEN + 3] = -0.5;
        double[] g = new double[3 * LEN];
        assertEquals(dpo, apply(b, spans, ref, lp, PreferenceLoss.DPO, 0.5, g), 1e-12);
        // by hand: ∂L/∂s_2 = −(β/3)(σ(−0.5) + σ(−1.5)), ∂L/∂s_1 = +(β/3)(σ(−1.5) + σ(−1)), ∂L/∂s_0 = (β/3)(σ(−0.5) − σ(−1))
        double s05 = 1 / (1 + Math.exp(0.5)), s15 = 1 / (1 + Math.exp(1.5)), s1 = 1 / (1 + Math.exp(1));
        assertEquals((0.5 / 3) * (s05 - s1), g[1], 1e-12);
        assertEquals((0.5 / 3) * (s15 + s1), g[LEN + 1], 1e-12);
        assertEquals((0.5 / 3) * (s15 + s1), g[LEN + 2], 1e-12, "every response token of a row gets its row's gradient");
        assertEquals(-(0.5 / 3) * (s05 + s15), g[2 * LEN + 3], 1e-12);
        for (int r = 0; r < 3; r++)
            for (int t = 0; t < LEN; t++)
                if (t < spans.from()[r] || t >= spans.to()[r]) assertEquals(0, g[r * LEN + t], 0, "no gradient outside the response: " + r + "," + t);
    }

    @Test
    void theGradientOnPerTokenLogprobsMatchesCentralFiniteDifferencesInFloat64() {
        SplittableRandom rnd = new SplittableRandom(5);
        List<RankedPrompt> ps = List.of(prompt(List.of(2, 0, 3, 1), 3), prompt(List.of(1, 0), 2));
        DpoLoss.Spans spans = DpoLoss.Spans.of(ps);
        double[] ref = new double[6], lp = new double[6 * LEN];
        for (int i = 0; i < ref.length; i++) ref[i] = -2 - 3 * rnd.nextDouble();
        for (int i = 0; i < lp.length; i++) lp[i] = -4 * rnd.nextDouble();
        for (LossMode mode : List.of(LossMode.GROUPED, LossMode.INDEPENDENT))
            for (PreferenceLoss kind : PreferenceLoss.values()) {
                PairBatch b = PairBatch.of(ps, mode, 3, 9);            // part of a step of 3 rankings, 9 pairs
                double[] g = new double[lp.length];
                apply(b, spans, ref, lp, kind, 0.3, g);
                int checked = 0;
                for (int i = 0; i < lp.length; i++) {
                    double[] up = lp.clone(), down = lp.clone();
                    up[i] += 1e-6;
                    down[i] -= 1e-6;
                    double num = (apply(b, spans, ref, up, kind, 0.3, new double[lp.length]) - apply(b, spans, ref, down, kind, 0.3, new double[lp.length])) / 2e-6;
                    assertEquals(num, g[i], 1e-8, mode + " " + kind + " slot " + i);
                    if (Math.abs(g[i]) > 1e-4) checked++;
                }
                assertTrue(checked >= 10, "most response slots have a gradient: " + checked);
            }
    }

    @Test
    void dpoGradientVanishesWhenTheMarginsAreAlreadyInfiniteInTheRightDirectionButIposDoesNot() {
        List<RankedPrompt> ps = List.of(prompt(List.of(0, 1, 2), 2));
        PairBatch b = PairBatch.of(ps, LossMode.GROUPED);
        DpoLoss.Spans spans = DpoLoss.Spans.of(ps);
        double[] ref = {-5, -5, -5};
        double previous = Double.POSITIVE_INFINITY;
        for (double gap : new double[] {1, 10, 100, 1000}) {
            // the policy's log-ratios (0, −gap, −2·gap): every pair ordered as ranked, by a margin of gap or more
            double[] lp = new double[3 * LEN];
            lp[1] = -5;
            lp[LEN + 1] = -5 - gap;
            lp[2 * LEN + 1] = -5 - 2 * gap;
            double[] g = new double[lp.length];
            double loss = apply(b, spans, ref, lp, PreferenceLoss.DPO, 0.1, g);
            double norm = maxAbs(g);
            assertTrue(norm > 0 && norm < previous, "the gradient shrinks as the margins grow: " + norm + " at gap " + gap);
            previous = norm;
            if (gap == 1000) {
                assertTrue(norm < 1e-40 && loss < 1e-40, "gap 1000: gradient " + norm + ", loss " + loss);
                double[] gi = new double[lp.length];
                apply(b, spans, ref, lp, PreferenceLoss.IPO, 0.1, gi);
                assertTrue(maxAbs(gi) > 100, "IPO pulls an over-large margin back to 1/(2β): " + maxAbs(gi));
            }
        }
        // and in the limit: the loser's log-prob −∞ under the policy (finite under the reference) gives m = +∞
        List<RankedPrompt> two = List.of(prompt(List.of(1, 0), 2));
        double[] lp = new double[2 * LEN];
        lp[1] = Double.NEGATIVE_INFINITY;
        lp[LEN + 1] = -3;
        double[] g = new double[lp.length];
        double loss = apply(PairBatch.of(two, LossMode.GROUPED), DpoLoss.Spans.of(two), new double[] {-5, -5}, lp, PreferenceLoss.DPO, 0.1, g);
        assertEquals(0, loss, 0);
        assertEquals(0, maxAbs(g), 0, "exactly 0 at an infinite margin");
    }

    static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test
    void atEqualPolicyAndReferenceDpoIsLog2AndIpoIsTheSquaredTarget() {
        List<RankedPrompt> ps = List.of(prompt(List.of(3, 1, 0, 2), 2));
        PairBatch b = PairBatch.of(ps, LossMode.INDEPENDENT);
        double[] s = {-1, -2, -3, -4};
        assertEquals(Math.log(2), DpoLoss.loss(s, s, b, PreferenceLoss.DPO, 0.7), 1e-15);
        assertEquals(Math.pow(1 / 1.4, 2), DpoLoss.loss(s, s, b, PreferenceLoss.IPO, 0.7), 1e-15);
    }
}
