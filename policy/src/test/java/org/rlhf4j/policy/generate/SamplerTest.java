package org.rlhf4j.policy.generate;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    // logits on a 5-token vocabulary; at temperature 1 the probabilities are ∝ e^{2}, e^{1}, e^{0}, e^{-1}, e^{1}
    static final float[] LOGITS = {2f, 1f, 0f, -1f, 1f};
    static final double Z = Math.exp(2) + 2 * Math.exp(1) + 1 + Math.exp(-1);

    static double[] logp(double temperature) {
        return Sampler.logSoftmax(LOGITS, temperature);
    }

    @Test
    void temperatureScalesLogits() {
        double[] lp = logp(2.0);
        double z2 = Math.exp(1) + 2 * Math.exp(0.5) + 1 + Math.exp(-0.5);
        assertEquals(Math.log(Math.exp(1) / z2), lp[0], 1e-12);
        assertEquals(Math.log(Math.exp(-0.5) / z2), lp[3], 1e-12);
    }

    @Test
    void topKKeepsTheKLargestWithTiesToTheLowerId() {
        double[] p = Sampler.distribution(logp(1.0), 2, 1.0);
        // top-2: id 0 (e^2) and id 1 (e^1; id 4 ties with it and loses on id)
        double z = Math.exp(2) + Math.exp(1);
        assertArrayEquals(new double[] {Math.exp(2) / z, Math.exp(1) / z, 0, 0, 0}, p, 1e-12);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        double p0 = Math.exp(2) / Z, p1 = Math.exp(1) / Z; // 0.5254, 0.1933
        // p = 0.6: id 0 alone (0.525) is not enough; adding id 1 (0.719) reaches it
        double[] p = Sampler.distribution(logp(1.0), 0, 0.6);
        assertArrayEquals(new double[] {p0 / (p0 + p1), p1 / (p0 + p1), 0, 0, 0}, p, 1e-12);
        // p = 0.5: id 0 alone suffices
        assertArrayEquals(new double[] {1, 0, 0, 0, 0}, Sampler.distribution(logp(1.0), 0, 0.5), 1e-12);
        // p = 1: nothing removed
        double[] all = Sampler.distribution(logp(1.0), 0, 1.0);
        for (int i = 0; i < 5; i++) assertEquals(Math.exp(LOGITS[i]) / Z, all[i], 1e-12);
    }

    @Test
    void topKThenTopP() {
        // top-3 = ids 0, 1, 4 with mass ∝ e^2, e, e; nucleus 0.8 of that: 0.576 < 0.8, + 0.212 = 0.788 < 0.8, + 0.212 → all 3
        double[] p = Sampler.distribution(logp(1.0), 3, 0.8);
        double z = Math.exp(2) + 2 * Math.exp(1);
        assertArrayEquals(new double[] {Math.exp(2) / z, Math.exp(1) / z, 0, 0, Math.exp(1) / z}, p, 1e-12);
    }

    @Test
    void samplingFrequenciesMatchTheDistribution() {
        SamplingConfig cfg = SamplingConfig.sample(1.0, 1).withTopK(3);
        SplittableRandom rng = new SplittableRandom(42);
        int[] counts = new int[5];
        int n = 200_000;
        for (int i = 0; i < n; i++) counts[Sampler.pick(LOGITS, cfg, rng).id()]++;
        double[] expect = Sampler.distribution(logp(1.0), 3, 1.0);
        for (int i = 0; i < 5; i++) assertEquals(expect[i], counts[i] / (double) n, 0.005, "id " + i);
        assertEquals(0, counts[2]);
        assertEquals(0, counts[3]);
    }

    @Test
    void greedyTakesTheArgmaxAndReportsTheTemperedLogprob() {
        Sampler.Pick p = Sampler.pick(LOGITS, new SamplingConfig(2.0, 0, 1.0, true, 1, null), new SplittableRandom(1));
        assertEquals(0, p.id());
        assertEquals(logp(2.0)[0], p.logprob(), 1e-12);
    }

    @Test
    void invalidSettingsAreAllReported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(0, -1, 1.5, false, 0, null));
        for (String key : new String[] {"temperature", "top_k", "top_p", "max_new_tokens"}) assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
