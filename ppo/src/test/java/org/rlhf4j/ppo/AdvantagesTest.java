package org.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdvantagesTest {
    /** The textbook definition, as a plain double loop: A_t = Σ_l (γλ)^l δ_{t+l} over the row's real tokens. */
    static double[][][] reference(double[][] r, double[][] v, boolean[][] mask, double gamma, double lambda) {
        int b = r.length;
        double[][] adv = new double[b][], ret = new double[b][];
        for (int i = 0; i < b; i++) {
            int width = r[i].length, len = 0;
            while (len < width && mask[i][len]) len++;
            double[] delta = new double[len];
            for (int t = 0; t < len; t++) delta[t] = r[i][t] + gamma * (t + 1 < len ? v[i][t + 1] : 0.0) - v[i][t];
            adv[i] = new double[width];
            ret[i] = new double[width];
            for (int t = 0; t < len; t++) {
                double a = 0;
                for (int l = 0; t + l < len; l++) a += Math.pow(gamma * lambda, l) * delta[t + l];
                adv[i][t] = a;
                ret[i][t] = a + v[i][t];
            }
        }
        return new double[][][] {adv, ret};
    }

    @Test
    void handComputedThreeTokenExample() {
        // δ2 = 1 − 0.1 = 0.9; δ1 = 0.1 − 0.2 = −0.1; δ0 = 0.2 − 0.5 = −0.3
        // A2 = 0.9; A1 = −0.1 + 0.95·0.9 = 0.755; A0 = −0.3 + 0.95·0.755 = 0.41725
        Advantages.Result r = Advantages.gae(new double[][] {{0, 0, 1}}, new double[][] {{0.5, 0.2, 0.1}}, new boolean[][] {{true, true, true}}, 1.0, 0.95);
        assertArrayEquals(new double[] {0.41725, 0.755, 0.9}, r.advantages()[0], 1e-12);
        assertArrayEquals(new double[] {0.91725, 0.955, 1.0}, r.returns()[0], 1e-12);
    }

    @Test
    void gaeAndReturnsEqualThePlainDoubleLoopWithPadding() {
        SplittableRandom rng = new SplittableRandom(3);
        int[] lengths = {6, 3, 1, 0, 5};
        int width = 6;
        double[][] r = new double[lengths.length][width], v = new double[lengths.length][width];
        boolean[][] mask = new boolean[lengths.length][width];
        for (int i = 0; i < lengths.length; i++)
            for (int t = 0; t < width; t++) {
                mask[i][t] = t < lengths[i];
                // padding holds junk: it must not leak into the result
                r[i][t] = mask[i][t] ? rng.nextDouble(-1, 1) : 99;
                v[i][t] = mask[i][t] ? rng.nextDouble(-1, 1) : -77;
            }
        for (double[] gl : new double[][] {{1.0, 0.95}, {0.9, 0.8}, {1.0, 1.0}, {0.99, 0.0}}) {
            Advantages.Result got = Advantages.gae(r, v, mask, gl[0], gl[1]);
            double[][][] want = reference(r, v, mask, gl[0], gl[1]);
            for (int i = 0; i < lengths.length; i++) {
                assertArrayEquals(want[0][i], got.advantages()[i], 1e-12, "advantages row " + i + " γ,λ=" + gl[0] + "," + gl[1]);
                assertArrayEquals(want[1][i], got.returns()[i], 1e-12, "returns row " + i);
            }
        }
    }

    @Test
    void whiteningGivesZeroMeanUnitVarianceOverRealTokensAndLeavesPaddingAtZero() {
        double[][] x = {{1, 2, 3}, {10, 0, 0}};
        boolean[][] m = {{true, true, true}, {true, false, false}};
        double[][] w = Advantages.whiten(x, m);
        double[] mv = Advantages.maskedMeanVar(w, m);
        assertEquals(0, mv[0], 1e-9);
        assertEquals(1, mv[1], 1e-6);
        assertEquals(0, w[1][1]);
        assertEquals(0, w[1][2]);
        // mean 4, population variance (9 + 4 + 1 + 36) / 4 = 12.5
        assertEquals((1 - 4) / Math.sqrt(12.5 + 1e-8), w[0][0], 1e-12);
    }

    @Test
    void explainedVarianceIsOneForPerfectValuesAndZeroForAConstant() {
        boolean[][] m = {{true, true, true, false}};
        double[][] ret = {{1, 2, 3, 0}};
        assertEquals(1.0, Advantages.explainedVariance(new double[][] {{1, 2, 3, 9}}, ret, m), 1e-12);
        assertEquals(0.0, Advantages.explainedVariance(new double[][] {{5, 5, 5, 9}}, ret, m), 1e-12);
    }
    // ---- the critic-free estimators ----

    @Test
    void rlooBaselineIsTheLeaveOneOutMeanByHand() {
        // group 1: R = 1, 2, 6 → baselines (2+6)/2 = 4, (1+6)/2 = 3.5, (1+2)/2 = 1.5 → A = −3, −1.5, 4.5
        // group 2: R = 0.5, −0.5, 3 → baselines 1.25, 1.75, 0 → A = −0.75, −2.25, 3
        double[] a = Advantages.rloo(new double[] {1, 2, 6, 0.5, -0.5, 3}, 3);
        assertArrayEquals(new double[] {-3, -1.5, 4.5, -0.75, -2.25, 3}, a, 1e-12);
        // k = 2: each response's baseline is the other one's reward
        assertArrayEquals(new double[] {-4, 4, 0, 0}, Advantages.rloo(new double[] {1, 5, 7, 7}, 2), 1e-12);
    }

    @Test
    void rlooEqualsRewardMinusTheMeanOfTheOtherSamplesOnRandomGroups() {
        SplittableRandom rng = new SplittableRandom(9);
        for (int k : new int[] {2, 3, 5}) {
            double[] r = new double[4 * k];
            for (int i = 0; i < r.length; i++) r[i] = rng.nextDouble(-3, 3);
            double[] a = Advantages.rloo(r, k);
            for (int i = 0; i < r.length; i++) {
                int g = i / k * k;
                double others = 0;
                for (int j = g; j < g + k; j++) if (j != i) others += r[j];
                assertEquals(r[i] - others / (k - 1), a[i], 1e-12, "k=" + k + " row " + i);
            }
        }
    }

    @Test
    void grpoNormalisesEachGroupByItsMeanAndSampleStdByHand() {
        // group 1: R = 1, 2, 6: mean 3, deviations −2, −1, 3, sample variance (4 + 1 + 9) / 2 = 7
        // group 2: R = 4, 4, 4: std 0 → advantages 0 (ε keeps 0/0 away)
        double eps = 1e-6, s = Math.sqrt(7);
        double[] a = Advantages.grpo(new double[] {1, 2, 6, 4, 4, 4}, 3, eps);
        assertArrayEquals(new double[] {-2 / (s + eps), -1 / (s + eps), 3 / (s + eps), 0, 0, 0}, a, 1e-12);
        // k = 2, R = 0 and 1: mean ½, sample std √½ → ±½/√½ = ±0.70710…
        double[] two = Advantages.grpo(new double[] {0, 1}, 2, 0.0);
        assertArrayEquals(new double[] {-Math.sqrt(0.5), Math.sqrt(0.5)}, two, 1e-12);
    }

    @Test
    void sequenceRewardsSumRealTokensAndPerTokenBroadcastsToThem() {
        double[][] r = {{0.1, -0.2, 1.5}, {-0.3, 9, 9}};
        boolean[][] m = {{true, true, true}, {true, false, false}};
        assertArrayEquals(new double[] {1.4, -0.3}, Advantages.sequenceRewards(r, m), 1e-12);
        double[][] t = Advantages.perToken(new double[] {2, -1}, m);
        assertArrayEquals(new double[] {2, 2, 2}, t[0]);
        assertArrayEquals(new double[] {-1, 0, 0}, t[1]);
    }

    @Test
    void groupsOfOneOrRaggedGroupsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Advantages.rloo(new double[] {1, 2}, 1));
        assertThrows(IllegalArgumentException.class, () -> Advantages.grpo(new double[] {1, 2, 3}, 2, 1e-6));
    }
}
