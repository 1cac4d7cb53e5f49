package org.rlhf4j.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.world.AnnotatorPool;

class EvalMathTest {
    @Test
    void passAtKMatchesHandComputedBinomials() {
        assertEquals(1 - 3.0 / 5, EvalMath.passAtK(5, 2, 1), 1e-12);          // 1 − C(3,1)/C(5,1)
        assertEquals(1 - 3.0 / 10, EvalMath.passAtK(5, 2, 2), 1e-12);         // 1 − C(3,2)/C(5,2)
        assertEquals(1 - 21.0 / 252, EvalMath.passAtK(10, 3, 5), 1e-12);      // 1 − C(7,5)/C(10,5)
        assertEquals(1.0, EvalMath.passAtK(5, 1, 5), 0.0);                    // n = k: any correct sample passes
        assertEquals(0.0, EvalMath.passAtK(5, 0, 5), 0.0);                    // n = k, c = 0
        assertEquals(0.0, EvalMath.passAtK(7, 0, 3), 0.0);                    // c = 0
        assertEquals(1.0, EvalMath.passAtK(4, 4, 1), 0.0);
        // large n stays finite where binomials would overflow a double: C(2000,1000) ~ 1e600
        double big = EvalMath.passAtK(2000, 1, 1000);
        assertEquals(0.5, big, 1e-12);
        assertThrows(IllegalArgumentException.class, () -> EvalMath.passAtK(3, 1, 4));
    }

    @Test
    void bestOfNKl() {
        assertEquals(0.0, EvalMath.bestOfNKl(1), 0.0);
        assertEquals(Math.log(4) - 0.75, EvalMath.bestOfNKl(4), 1e-12);
        assertEquals(Math.log(16) - 15.0 / 16, EvalMath.bestOfNKl(16), 1e-12);
        assertEquals(0.6362943611198906, EvalMath.bestOfNKl(4), 1e-15);
    }

    static Rollouts.Sample sample(PromptRecord p, String text, boolean eos) {
        return new Rollouts.Sample(p, new int[] {1}, new int[] {2}, text, eos, new float[] {-1f});
    }

    @Test
    void winRateOnAHandBuiltPairOfPolicies() {
        ObjectMapper om = new ObjectMapper();
        List<Rollouts.Sample> good = new ArrayList<>(), bad = new ArrayList<>(), same = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int a = 2 + i % 5, b = 3 + i % 4;
            PromptRecord p = new PromptRecord("a-" + i, "Tom has " + a + " apples and gets " + b + " more. How many apples?", "arithmetic", null,
                    om.createObjectNode().put("answer", a + b));
            good.add(sample(p, "Tom has " + (a + b) + " apples.", true));   // right answer, ends properly
            bad.add(sample(p, "apples apples apples apples", false));       // no number, repeats, no EOS
            same.add(sample(p, "Tom has " + (a + b) + " apples.", true));
        }
        AnnotatorPool pool = AnnotatorPool.defaultPool();
        double w = Evaluate.winRate(good, bad, pool, 1);
        double l = Evaluate.winRate(bad, good, pool, 1);
        assertTrue(w > 0.9, "the right answer should win: " + w);
        assertTrue(l < 0.1, "the wrong answer should lose: " + l);
        assertEquals(0.5, Evaluate.winRate(good, same, pool, 1), 0.0, "identical responses are ties");
        assertEquals(EvalMath.winRate(3, 2, 10), 0.4, 1e-12);
    }

    @Test
    void standardErrorsMatchHandValues() {
        // mean 2.5, sample variance 5/3, s.e. = sqrt(5/3 / 4)
        assertEquals(Math.sqrt(5.0 / 3 / 4), EvalMath.standardError(new double[] {1, 2, 3, 4}), 1e-12);
        assertEquals(0.0, EvalMath.standardError(new double[] {0.5, 0.5, 0.5}), 0.0);
        assertTrue(Double.isNaN(EvalMath.standardError(new double[] {1})));
        assertEquals(0.05, EvalMath.winRateStandardError(0.5, 100), 1e-12);
        assertEquals(0.0, EvalMath.winRateStandardError(1.0, 10), 0.0);
    }

    @Test
    void thePairedStandardErrorMatchesAHandComputation() {
        // two samples per prompt for the method, one for SFT; per-prompt means a = (0.5, 0.7, 0.2, 0.9)
        double[] method = {0.4, 0.6, 0.7, 0.7, 0.0, 0.4, 1.0, 0.8};
        double[] sft = {0.4, 0.5, 0.3, 0.6};
        double[] a = EvalMath.perPromptMeans(method, 4);
        assertArrayEquals(new double[] {0.5, 0.7, 0.2, 0.9}, a, 1e-15);
        // d = (0.1, 0.2, −0.1, 0.3): mean 0.125; squared deviations 0.000625 + 0.005625 + 0.050625 + 0.030625 = 0.0875;
        // s.e. = √(0.0875 / 3 / 4) = 0.08539125638299665
        double[] d = EvalMath.pairedDifference(a, EvalMath.perPromptMeans(sft, 4));
        assertEquals(0.125, d[0], 1e-12);
        assertEquals(0.08539125638299665, d[1], 1e-12);
        // the unpaired standard error of the difference is larger here: prompt difficulty does not cancel
        double unpaired = Math.hypot(EvalMath.standardError(a), EvalMath.standardError(sft));
        assertTrue(unpaired > d[1] * 1.5, unpaired + " vs " + d[1]);
        assertThrows(IllegalArgumentException.class, () -> EvalMath.perPromptMeans(new double[5], 2));
        assertThrows(IllegalArgumentException.class, () -> EvalMath.pairedDifference(new double[2], new double[3]));
    }

    @Test
    void thePairedDifferenceByFamilyUsesEachFamilysPromptsOnly() {
        double[] a = {0.5, 0.7, 0.2, 0.9, 0.6}, b = {0.4, 0.5, 0.3, 0.6, 0.6};
        String[] family = {"x", "y", "x", "y", "x"};
        var by = EvalMath.pairedDifferenceByGroup(a, b, family);
        assertEquals(java.util.List.of("x", "y"), java.util.List.copyOf(by.keySet()));
        // x: d = (0.1, −0.1, 0.0): mean 0; squared deviations 0.01 + 0.01 + 0 = 0.02; s.e. = √(0.02 / 2 / 3) = 0.0577350…
        assertEquals(0.0, by.get("x")[0], 1e-12);
        assertEquals(Math.sqrt(0.02 / 2 / 3), by.get("x")[1], 1e-12);
        // y: d = (0.2, 0.3): mean 0.25; squared deviations 0.0025 + 0.0025; s.e. = √(0.005 / 1 / 2) = 0.05
        assertEquals(0.25, by.get("y")[0], 1e-12);
        assertEquals(0.05, by.get("y")[1], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> EvalMath.pairedDifferenceByGroup(a, b, new String[4]));
    }
}
