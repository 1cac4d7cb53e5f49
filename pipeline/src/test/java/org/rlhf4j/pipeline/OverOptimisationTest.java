package org.rlhf4j.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.rlhf4j.pipeline.OverOptimisation.Fit;
import org.rlhf4j.pipeline.OverOptimisation.Form;

class OverOptimisationTest {
    static final double[] D = {0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5};

    @Test
    void recoversTheParametersOfNoiseFreeCurvesOfBothForms() {
        for (Form f : Form.values()) {
            double alpha = 0.8, beta = f == Form.BEST_OF_N ? 0.2 : 0.5;
            double[] gain = new double[D.length];
            for (int i = 0; i < D.length; i++) gain[i] = f.value(alpha, beta, D[i]);
            Fit fit = OverOptimisation.fit(f, D, gain);
            assertEquals(alpha, fit.alpha(), 1e-12, f.name());
            assertEquals(beta, fit.beta(), 1e-12, f.name());
            assertEquals(0, fit.rmse(), 1e-12);
        }
        // peaks by hand: best-of-n α/(2β) = 0.8/0.4 = 2; RL exp(α/β − 1) = exp(0.6)
        assertEquals(2.0, Form.BEST_OF_N.peak(0.8, 0.2), 1e-15);
        assertEquals(Math.exp(0.6), Form.RL.peak(0.8, 0.5), 1e-15);
        assertEquals(0.8 * 2 - 0.2 * 4, Form.BEST_OF_N.value(0.8, 0.2, 2.0), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, Form.BEST_OF_N.peak(0.8, -0.1));
    }

    @Test
    void theBootstrapIntervalCoversTheTruePeakOnNoisyPerPromptScores() {
        double alpha = 0.3, beta = 0.1; // best-of-n peak at 1.5
        int prompts = 400;
        Random r = new Random(3);
        double[] base = new double[prompts];
        double[][] gold = new double[D.length][prompts];
        for (int i = 0; i < prompts; i++) base[i] = 0.5 + 0.2 * r.nextGaussian();
        for (int p = 0; p < D.length; p++)
            for (int i = 0; i < prompts; i++) gold[p][i] = base[i] + Form.BEST_OF_N.value(alpha, beta, D[p]) + 0.05 * r.nextGaussian();
        Fit fit = OverOptimisation.fitWithInterval(Form.BEST_OF_N, D, gold, base, 400, 1);
        assertEquals(alpha, fit.alpha(), 0.02);
        assertEquals(beta, fit.beta(), 0.01);
        assertTrue(fit.peakLow() < 1.5 && 1.5 < fit.peakHigh(), fit.toString());
        assertTrue(fit.peakHigh() - fit.peakLow() < 0.5, "interval too wide: " + fit);
        assertEquals(alpha * alpha / (4 * beta), fit.peakGain(), 0.02);
    }

    @Test
    void refusesPointsThatCannotDetermineTwoCoefficients() {
        assertThrows(IllegalArgumentException.class, () -> OverOptimisation.fit(Form.BEST_OF_N, new double[] {0, 1}, new double[] {0, 0.2}));
        assertThrows(IllegalArgumentException.class, () -> OverOptimisation.fit(Form.RL, new double[] {0, 1, 2}, new double[] {0, 0.2}));
    }
}
