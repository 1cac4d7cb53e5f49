package org.rlhf4j.policy.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Nd4jDefaults;

class AdamWTest {
    static final OptimConfig CFG = new OptimConfig(0.01, 0.01, 0, 0.0, 0.9, 0.95, 1e-12, 0.0);

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static Map<String, INDArray> params() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("a", Nd4j.createFromArray(1.0, 2.0));
        p.put("b", Nd4j.createFromArray(3.0));
        return p;
    }

    static Map<String, INDArray> grads(double ga, Double gb) {
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("a", Nd4j.createFromArray(ga, -ga));
        if (gb != null) g.put("b", Nd4j.createFromArray(gb));
        return g;
    }

    @Test
    void aParameterGroupMovesAtItsOwnLearningRate() {
        Map<String, INDArray> p = params();
        new AdamW(CFG).step(p, grads(0.5, 0.25), 0.01, name -> name.equals("b") ? 50.0 : 1.0);
        // Adam's first step moves every coordinate by lr·sign(g) (bias-corrected m / sqrt(v) = g / |g|)
        assertArrayEquals(new double[] {0.99, 2.01}, p.get("a").toDoubleVector(), 1e-9);
        assertEquals(3.0 - 0.5, p.get("b").getDouble(0), 1e-9);
    }

    @Test
    void aParameterLeftOutOfStepsGetsItsOwnBiasCorrection() {
        Map<String, INDArray> p = params();
        AdamW opt = new AdamW(CFG);
        for (int i = 0; i < 5; i++) opt.step(p, grads(0.5, null), 0.01);         // "b" frozen, as the backbone in a value warm-up
        assertEquals(3.0, p.get("b").getDouble(0), 0.0, "no gradient, no update");
        opt.step(p, grads(0.5, 0.25), 0.01);
        assertEquals(3.0 - 0.01, p.get("b").getDouble(0), 1e-9, "its first update is a full first Adam step");
        assertEquals(6, opt.steps());
    }

    /** Loads {@code state} into a fresh optimizer over a copy of {@code p}; one more step must move both alike. */
    static void assertResumesExactly(AdamW a, Map<String, INDArray> p, Map<String, INDArray> state) {
        AdamW b = new AdamW(CFG);
        b.load(state, a.steps());
        Map<String, INDArray> q = params();
        q.get("a").assign(p.get("a"));
        q.get("b").assign(p.get("b"));
        a.step(p, grads(0.2, 0.4), 0.01);
        b.step(q, grads(0.2, 0.4), 0.01);
        assertArrayEquals(p.get("a").toDoubleVector(), q.get("a").toDoubleVector(), 0.0);
        assertArrayEquals(p.get("b").toDoubleVector(), q.get("b").toDoubleVector(), 0.0);
    }

    @Test
    void stateRoundTripsWithPerParameterCounts() {
        Map<String, INDArray> p = params();
        AdamW a = new AdamW(CFG);
        for (int i = 0; i < 3; i++) a.step(p, grads(0.5, null), 0.01);
        a.step(p, grads(0.3, 0.1), 0.01);
        Map<String, INDArray> state = new LinkedHashMap<>();
        a.state().forEach((k, v) -> state.put(k, v.dup()));
        assertResumesExactly(a, p, state);
        assertEquals(2L, a.state().get("t/b").getLong(0));
        assertEquals(5L, a.state().get("t/a").getLong(0));
    }

    @Test
    void stateWrittenBeforePerParameterCountsLoadsWithTheGlobalCount() {
        Map<String, INDArray> p = params();
        AdamW a = new AdamW(CFG);
        for (int i = 0; i < 3; i++) a.step(p, grads(0.5, 0.2), 0.01);
        Map<String, INDArray> old = new LinkedHashMap<>();
        a.state().forEach((k, v) -> { if (!k.startsWith("t/")) old.put(k, v.dup()); });   // the format before t/NAME
        assertResumesExactly(a, p, old);
    }
}
