package org.rlhf4j.reward;

import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.LossMode;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rlhf4j.policy.engine.Outputs;

/** The Plackett-Luce loss on rewards fed directly: a hand computation, its gradient, and K = 2 against the pair loss. */
class PlackettLuceTest {

    static double[] gradient(PlackettLuce.Lists b, double[] r) {
        Outputs.Grads g = new Outputs.Grads(new double[r.length], null, null, new double[r.length]);
        PlackettLuce.onRewards(b).apply(new Outputs(new double[r.length], null, null, r), g);
        return g.reward();
    }

    @Test
    void aK3RankingAndAK2RankingMatchAHandComputation() {
        // prompt A: ranking [2, 0, 1] with r = (0.5, −1, 2), so σ's rewards are (2, 0.5, −1):
        //   L_A = [log(e^2 + e^0.5 + e^−1) − 2] + [log(e^0.5 + e^−1) − 0.5] = log(1 + e^−1.5 + e^−3) + log(1 + e^−1.5)
        // prompt B: ranking [1, 0] with r = (1, 0): the worse response has the higher reward, L_B = log(1 + e^1)
        // each prompt weighs 1/2
        List<RankedPrompt> prompts = List.of(PairLossTest.prompt(List.of(2, 0, 1)), PairLossTest.prompt(List.of(1, 0)));
        PlackettLuce.Lists b = PlackettLuce.of(prompts);
        double[] r = {0.5, -1.0, 2.0, 1.0, 0.0};
        double la = 0.24131129665715703 + 0.2014132779827524, lb = 1.3132616875182228;
        assertEquals(0.8779931310790661, (la + lb) / 2, 1e-15);
        assertEquals((la + lb) / 2, PlackettLuce.loss(r, b), 1e-12);
        assertArrayEquals(new int[] {2, 0, 1}, b.order()[0]);
        assertArrayEquals(new int[] {4, 3}, b.order()[1], "rows of the second prompt follow the first's");
        // the gradient by hand for B: ∂/∂r_best = −σ(−Δ)/2, ∂/∂r_worst = +σ(−Δ)/2 with Δ = r_best − r_worst = −1
        double s = 1 / (1 + Math.exp(-1.0));
        double[] g = gradient(b, r);
        assertEquals(-s / 2, g[4], 1e-12);
        assertEquals(s / 2, g[3], 1e-12);
        // and for A's worst response (σ(2) = row 1): it appears in both suffix softmaxes and is never picked
        double p0 = Math.exp(-1) / (Math.exp(2) + Math.exp(0.5) + Math.exp(-1)), p1 = Math.exp(-1) / (Math.exp(0.5) + Math.exp(-1));
        assertEquals((p0 + p1) / 2, g[1], 1e-12);
        assertEquals(0, g[0] + g[1] + g[2], 1e-12, "a shift of all of a prompt's rewards leaves its loss unchanged");
    }

    @Test
    void theGradientMatchesCentralFiniteDifferencesInFloat64() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<RankedPrompt> prompts = List.of(PairLossTest.prompt(List.of(3, 1, 0, 2)), PairLossTest.prompt(List.of(1, 0)),
                PairLossTest.prompt(List.of(4, 0, 2, 1, 3)));
        PlackettLuce.Lists b = PlackettLuce.of(prompts, 5);        // part of a step of 5 prompts: weights 1/5
        double[] r = new double[11];
        for (int i = 0; i < r.length; i++) r[i] = 3 * (rnd.nextDouble() - 0.5);
        double[] g = gradient(b, r);
        double eps = 1e-6;
        for (int i = 0; i < r.length; i++) {
            double[] up = r.clone(), down = r.clone();
            up[i] += eps;
            down[i] -= eps;
            double num = (PlackettLuce.loss(up, b) - PlackettLuce.loss(down, b)) / (2 * eps);
            assertEquals(num, g[i], 1e-9, "reward " + i);
            assertTrue(Math.abs(g[i]) > 1e-4, "every reward moves the loss here: " + i);
        }
    }

    @Test
    void atK2ItEqualsThePairwiseLossInValueAndGradient() {
        List<RankedPrompt> prompts = List.of(PairLossTest.prompt(List.of(0, 1)), PairLossTest.prompt(List.of(1, 0)),
                PairLossTest.prompt(List.of(1, 0)));
        double[] r = {0.7, -0.4, 2.5, -3.0, 0.25, 0.25};
        PlackettLuce.Lists pl = PlackettLuce.of(prompts);
        for (LossMode mode : List.of(LossMode.GROUPED, LossMode.INDEPENDENT)) {
            PairBatch pairs = PairBatch.of(prompts, mode);
            assertEquals(PairLoss.loss(r, pairs, 0), PlackettLuce.loss(r, pl), 1e-12, mode.toString());
            Outputs.Grads g = new Outputs.Grads(new double[6], null, null, new double[6]);
            PairLoss.onRewards(pairs, 0).apply(new Outputs(new double[6], null, null, r), g);
            assertArrayEquals(g.reward(), gradient(pl, r), 1e-12, mode.toString());
        }
    }

    @Test
    void itIsStableForLargeRewards() {
        PlackettLuce.Lists b = PlackettLuce.of(List.of(PairLossTest.prompt(List.of(0, 1, 2))));
        double[] r = {1000, 0, -1000};
        assertEquals(0, PlackettLuce.loss(r, b), 1e-12, "a ranking the rewards agree with by a mile costs nothing");
        double[] wrong = {-1000, 0, 1000};
        assertEquals(3000, PlackettLuce.loss(wrong, b), 1e-9, "2000 for picking the worst first, then 1000");
        for (double v : gradient(b, wrong)) assertTrue(Double.isFinite(v));
    }
}
