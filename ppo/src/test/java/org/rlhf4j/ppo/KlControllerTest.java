package org.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class KlControllerTest {
    @Test
    void adaptiveUpdateEqualsZieglersFormula() {
        double target = 6, horizon = 10000;
        double[][] cases = {{9.0, 16}, {5.4, 16}, {0.0, 64}, {6.0, 8}, {6.6, 32}};
        for (double[] c : cases) {
            KlController k = new KlController(PpoConfig.KlMode.ADAPTIVE, 0.1, target, horizon);
            k.update(c[0], (int) c[1]);
            double e = Math.max(-0.2, Math.min(0.2, c[0] / target - 1));
            assertEquals(0.1 * (1 + e * c[1] / horizon), k.beta(), 1e-15, "KL " + c[0] + ", n " + c[1]);
        }
        KlController k = new KlController(PpoConfig.KlMode.ADAPTIVE, 0.1, target, horizon);
        k.update(9.0, 16);                                   // e = 0.5 clipped to 0.2
        assertEquals(0.1 * (1 + 0.2 * 16 / 10000.0), k.beta(), 1e-15);
        k.update(5.4, 16);                                   // e = −0.1
        assertEquals(0.1 * (1 + 0.2 * 16 / 10000.0) * (1 - 0.1 * 16 / 10000.0), k.beta(), 1e-15);
    }

    @Test
    void fixedModeNeverMoves() {
        KlController k = new KlController(PpoConfig.KlMode.FIXED, 0.02, 6, 10000);
        k.update(100, 64);
        k.update(0, 64);
        assertEquals(0.02, k.beta());
    }
}
