package org.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.engine.Outputs;

/** The loss terms on hand-made 6-element inputs: values and gradients against hand computations. */
class PpoLossesTest {
    static final double EPS = 0.2;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static INDArray vec(double... v) {
        return Nd4j.createFromArray(v);
    }

    /** Value and d/d(first input) of a loss built over one variable "x" and named double placeholders. */
    record Eval(double loss, double[] grad) {}

    interface Builder {
        SDVariable build(SameDiff sd, SDVariable x, Map<String, SDVariable> ph);
    }

    static Eval eval(double[] x, Map<String, double[]> feeds, Builder b) {
        SameDiff sd = SameDiff.create();
        SDVariable xv = sd.var("x", vec(x));
        Map<String, SDVariable> ph = new HashMap<>();
        Map<String, INDArray> f = new HashMap<>();
        feeds.forEach((k, v) -> {
            ph.put(k, sd.placeHolder(k, DataType.DOUBLE, -1));
            f.put(k, vec(v));
        });
        SDVariable loss = b.build(sd, xv, ph);
        sd.setLossVariables(loss);
        double value = sd.output(f, loss.name()).get(loss.name()).getDouble(0);
        double[] g = sd.calculateGradients(f, "x").get("x").toDoubleVector();
        return new Eval(value, g);
    }

    @Test
    void clippedSurrogateEqualsHandComputationAndItsGradientVanishesOnlyWhereClippingIsActive() {
        // ratio:     1.5 (A>0: clipped)  0.5 (A>0: unclipped)  1.5 (A<0: unclipped)  0.5 (A<0: clipped)  1.1 (inside: tie)  1.0 (tie)
        double[] ratio = {1.5, 0.5, 1.5, 0.5, 1.1, 1.0};
        double[] adv = {2.0, 2.0, -1.0, -1.0, 3.0, -0.7};
        double[] old = {-1.0, -2.0, -0.3, -4.0, -1.2, -0.9};
        double[] lp = new double[6];
        for (int i = 0; i < 6; i++) lp[i] = old[i] + Math.log(ratio[i]);
        double[] w = {0.1, 0.2, 0.3, 0.15, 0.05, 0.2};
        double[] mask = {1, 1, 1, 1, 1, 1};
        Eval e = eval(lp, Map.of("old", old, "adv", adv, "mask", mask, "w", w),
                (sd, x, p) -> PpoLosses.policyLoss(sd, x, p.get("old"), p.get("adv"), p.get("mask"), p.get("w"), EPS));

        double want = 0;
        double[] wantGrad = new double[6];
        for (int i = 0; i < 6; i++) {
            double c = Math.max(1 - EPS, Math.min(1 + EPS, ratio[i]));
            double unclipped = -adv[i] * ratio[i], clipped = -adv[i] * c;
            want += w[i] * Math.max(unclipped, clipped);
            // d/dlp of −A·r is −A·r; the clipped branch is constant in lp outside the range
            wantGrad[i] = clipped > unclipped ? 0 : -w[i] * adv[i] * ratio[i];
        }
        assertEquals(want, e.loss(), 1e-12);
        assertArrayEquals(wantGrad, e.grad(), 1e-12);
        assertEquals(0.0, e.grad()[0], "A>0, ratio above 1+ε: clipped, no gradient");
        assertEquals(0.0, e.grad()[3], "A<0, ratio below 1−ε: clipped, no gradient");
        // Inside the clip range ratio·A == clip(ratio)·A: a tie. The gradient must be the unclipped one, not twice it
        // (DL4J's math().max gives the whole gradient to both inputs on a tie).
        assertEquals(-w[4] * adv[4] * ratio[4], e.grad()[4], 1e-12);
        assertEquals(-w[5] * adv[5], e.grad()[5], 1e-12);
    }

    @Test
    void maskedTokensHaveRatioOneAndNoGradient() {
        double[] lp = {-1.0, -9.0};
        Eval e = eval(lp, Map.of("old", new double[] {-1.0, 0.0}, "adv", new double[] {1.0, 5.0}, "mask", new double[] {1, 0}, "w", new double[] {1, 0}),
                (sd, x, p) -> PpoLosses.policyLoss(sd, x, p.get("old"), p.get("adv"), p.get("mask"), p.get("w"), EPS));
        assertEquals(-1.0, e.loss(), 1e-12);
        assertEquals(0.0, e.grad()[1]);
    }

    @Test
    void clippedValueLossEqualsHandComputationAndItsGradientVanishesWhereTheClippedErrorWins() {
        double c = 0.2;
        double[] v = {0.5, 0.5, 0.1, -0.6, 0.0};
        double[] old = {0.0, 0.0, 0.0, 0.0, 0.0};
        double[] ret = {1.0, -1.0, 1.0, 0.5, 0.3};
        double[] w = {0.2, 0.2, 0.2, 0.2, 0.2};
        Eval e = eval(v, Map.of("old", old, "ret", ret, "w", w), (sd, x, p) -> PpoLosses.valueLoss(sd, x, p.get("old"), p.get("ret"), p.get("w"), c));
        double want = 0;
        double[] wantGrad = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double vc = old[i] + Math.max(-c, Math.min(c, v[i] - old[i]));
            double a = (v[i] - ret[i]) * (v[i] - ret[i]), b = (vc - ret[i]) * (vc - ret[i]);
            want += 0.5 * w[i] * Math.max(a, b);
            boolean clippedBranchConstant = Math.abs(v[i] - old[i]) > c;
            wantGrad[i] = b > a && clippedBranchConstant ? 0 : w[i] * (v[i] - ret[i]);
        }
        assertEquals(want, e.loss(), 1e-12);
        assertArrayEquals(wantGrad, e.grad(), 1e-12);
        assertEquals(0.0, e.grad()[0], "v moved 0.5 from V_old (> c): the clipped error 0.64 beats 0.25, no gradient");
        assertEquals(0.2 * 1.5, e.grad()[1], 1e-12, "unclipped error wins");
        assertEquals(0.2 * (0.1 - 1.0), e.grad()[2], 1e-12, "inside the clip range (a tie): the plain gradient, not doubled");
    }

    @Test
    void entropyOfATemperedSoftmaxEqualsTheHandValue() {
        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.constant("logits", Nd4j.createFromArray(new double[][] {{1, 2, 3}, {0, 0, 0}}));
        SDVariable t = sd.constant("t", Nd4j.scalar(DataType.DOUBLE, 2.0));
        SDVariable h = PpoLosses.entropy(sd, logits, t);
        double[] got = sd.output(Map.of(), h.name()).get(h.name()).toDoubleVector();
        double[] z = {0.5, 1.0, 1.5};
        double norm = 0;
        for (double v : z) norm += Math.exp(v);
        double want = 0;
        for (double v : z) {
            double p = Math.exp(v) / norm;
            want -= p * Math.log(p);
        }
        assertEquals(want, got[0], 1e-12);
        assertEquals(Math.log(3), got[1], 1e-12);
    }

    @Test
    void minMaxAndClipFromReluHaveOneSidedGradientsAtTies() {
        double[] x = {0.5, 2.0, 1.0};
        Eval clip = eval(x, Map.of(), (sd, v, p) -> PpoLosses.clip(sd, v, 0.8, 1.2).sum());
        assertEquals(0.8 + 1.2 + 1.0, clip.loss(), 1e-12);
        assertArrayEquals(new double[] {0, 0, 1}, clip.grad(), 1e-12);
        Eval max = eval(x, Map.of("y", new double[] {0.5, 1.0, 3.0}), (sd, v, p) -> PpoLosses.max(sd, v, p.get("y")).sum());
        assertEquals(0.5 + 2.0 + 3.0, max.loss(), 1e-12);
        // At the tie (x = y = 0.5) max = y + relu(x − y) sends the whole gradient to y, none to x; min = x − relu(x − y)
        // sends it all to x. Either way one unit in total, never one to each side.
        assertArrayEquals(new double[] {0, 1, 0}, max.grad(), 1e-12);
        Eval min = eval(x, Map.of("y", new double[] {0.5, 1.0, 3.0}), (sd, v, p) -> PpoLosses.min(sd, v, p.get("y")).sum());
        assertEquals(0.5 + 1.0 + 1.0, min.loss(), 1e-12);
        assertArrayEquals(new double[] {1, 0, 1}, min.grad(), 1e-12);
        List.of(clip, max, min).forEach(e -> assertTrue(Double.isFinite(e.loss())));
    }
    @Test
    void klLossTermEqualsHandComputationInTheGraph() {
        // ½ Σ w·m·(lp − ref)²: d = 0.5, −1, 0.25, (masked); w = 0.25 each → ½·0.25·(0.25 + 1 + 0.0625) = 0.1640625
        double[] lp = {-1.0, -2.0, -0.25, -4.0};
        Eval e = eval(lp, Map.of("ref", new double[] {-1.5, -1.0, -0.5, -1.0}, "mask", new double[] {1, 1, 1, 0}, "w", new double[] {0.25, 0.25, 0.25, 0}),
                (sd, x, p) -> PpoLosses.klLoss(x, p.get("ref"), p.get("mask"), p.get("w")));
        assertEquals(0.1640625, e.loss(), 1e-12);
        // d/dlp = w·m·(lp − ref)
        assertArrayEquals(new double[] {0.125, -0.25, 0.0625, 0}, e.grad(), 1e-12);
    }

    @Test
    void criticFreeLossWithTheKlTermOnEngineOutputsEqualsHandComputation() {
        // one row: prompt of 2 tokens, 3 response tokens predicted at slots 1, 2, 3 of a row padded to 5
        int[] seq = {10, 11, 12, 13, 14};
        double[] lp = {-1.0, -2.0, -0.5};
        double[] ref = {-1.5, -1.0, -0.5};
        double[] adv = {1.0, -2.0, 0.5};
        // old log-probs = current: ratio 1, inside the clip range
        PpoLosses.Row row = new PpoLosses.Row(seq, 2, lp.clone(), adv, null, null, ref);
        double[] outLp = {0, -1.0, -2.0, -0.5, 0};
        Outputs out = new Outputs(outLp, null, null, null);
        Outputs.Grads g = Outputs.Grads.zerosLike(out);
        PpoLosses.Coefficients c = new PpoLosses.Coefficients(0.2, 0.2, 0.1, 0.0, 1.0, false, 0.1);
        PpoLosses.Terms t = PpoLosses.apply(List.of(row), 5, 1.0 / 3, c, out, g);
        // policy: Σ w·(−A·1) = −(1 − 2 + 0.5)/3 = 0.5/3; KL: ½·(1/3)·(0.5² + 1² + 0²) = 0.625/3; total = policy + 0.1·KL
        assertEquals(0.5 / 3, t.policy(), 1e-12);
        assertEquals(0.625 / 3, t.kl(), 1e-12);
        assertEquals(0.5625 / 3, t.total(), 1e-12);
        assertTrue(Double.isNaN(t.value()), "no critic, no value loss");
        // d/dlp = w·(−A) + β·w·(lp − ref): (−1 + 0.05)/3, (2 − 0.1)/3, (−0.5 + 0)/3; nothing at the prompt and padding slots
        assertArrayEquals(new double[] {0, -0.95 / 3, 1.9 / 3, -0.5 / 3, 0}, g.logprob(), 1e-12);
        assertNull(g.value());
    }
}
