package org.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.train.GradientCheck;
import org.rlhf4j.policy.train.TrainGraph;
import org.rlhf4j.policy.train.TrainLoop;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;

/**
 * Central finite differences in float64 against SameDiff's gradients, for the PPO loss and the ptx loss. Step 1e-5 and
 * absolute floor 1e-6: the losses are O(1–100), so a 1e-6 step leaves ~1e-10 of rounding noise in the numeric side,
 * which is larger than the exactly-zero gradients (e.g. attention key biases, which softmax ignores).
 */
class GradientCheckTest {
    static final int T = 12;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static GptWeights tinyWeights(boolean valueHead) {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 32, 16, 2, 2);
        GptWeights w = GptWeights.init(c, 11, DataType.DOUBLE);
        // larger weights than GPT-2's 0.02 so the check sees non-trivial attention and GELU
        for (INDArray a : w.arrays().values()) if (a.rank() == 2) a.muli(10);
        return valueHead ? w.withHead(GptWeights.Head.VALUE, 12) : w;
    }

    @Test
    void ppoLossPolicyValueAndEntropyTermsMatchFiniteDifferences() {
        GptWeights w = tinyWeights(true);
        PpoLosses.Coefficients coef = new PpoLosses.Coefficients(0.2, 0.2, 0.5, 0.05, 0.7);
        TrainGraph g = new TrainGraph(w, T, PpoLosses.builder(coef));

        List<PpoLosses.Row> rows = rows(g);
        int n = PpoLosses.responseTokens(rows);
        Map<String, INDArray> feeds = PpoLosses.feeds(rows, T, 1.0 / n, DataType.DOUBLE);
        GradientCheck.Report rep = GradientCheck.check(g.sameDiff(), g.lossName(), feeds, w.names(), 2, 1e-5, 1e-6, 3);
        assertTrue(rep.maxRelError() < 1e-5, "worst " + rep.worst());
        assertEquals(w.names().size() * 2 - 1, rep.checked(), "2 entries of every parameter (the value head's bias has 1)");

        // the trainer pads each micro-batch only to its longest row (PpoTrainer.paddedLength): a longer graph over the
        // same rows must give the same loss and gradients
        int longer = 20;
        TrainGraph.Result atT = g.run(feeds), atLonger = new TrainGraph(w, longer, PpoLosses.builder(coef))
                .run(PpoLosses.feeds(rows, longer, 1.0 / n, DataType.DOUBLE));
        assertEquals(atT.loss(), atLonger.loss(), 1e-12);
        for (String name : w.names())
            assertEquals(0.0, atT.gradients().get(name).sub(atLonger.gradients().get(name)).amaxNumber().doubleValue(), 1e-12, name);
    }

    /**
     * Three rows (prompt lengths 3..5, responses 4..7, right-padded to T) whose old log-probs and values sit at chosen
     * offsets from the current ones: ratios inside and outside [0.8, 1.2] and value moves inside and outside ±0.2, all
     * well away from the kinks (finite differences must not straddle one).
     */
    static List<PpoLosses.Row> rows(TrainGraph g) {
        SplittableRandom rng = new SplittableRandom(5);
        int[][] shape = {{3, 6}, {5, 7}, {4, 4}};
        List<PpoLosses.Row> zero = new ArrayList<>();
        for (int[] s : shape) {
            int[] seq = new int[s[0] + s[1]];
            for (int i = 0; i < seq.length; i++) seq[i] = rng.nextInt(256);
            zero.add(new PpoLosses.Row(seq, s[0], new double[s[1]], new double[s[1]], new double[s[1]], new double[s[1]]));
        }
        int n = PpoLosses.responseTokens(zero);
        Map<String, INDArray> out = g.output(PpoLosses.feeds(zero, T, 1.0 / n, DataType.DOUBLE), PpoLosses.LOGPROBS, PpoLosses.VALUES);
        double[] lp = out.get(PpoLosses.LOGPROBS).toDoubleVector(), v = out.get(PpoLosses.VALUES).toDoubleVector();

        double[] logRatios = {0.0, 0.1, -0.1, 0.45, -0.5, 0.3, -0.35};
        double[] valueMoves = {0.05, -0.1, 0.5, -0.6, 0.0, 0.35};
        List<PpoLosses.Row> rows = new ArrayList<>();
        int k = 0;
        for (int r = 0; r < zero.size(); r++) {
            PpoLosses.Row z = zero.get(r);
            int len = z.responseLength();
            double[] old = new double[len], adv = new double[len], ret = new double[len], oldV = new double[len];
            for (int j = 0; j < len; j++, k++) {
                int i = r * T + z.promptLength() + j - 1;
                old[j] = lp[i] - logRatios[k % logRatios.length];
                adv[j] = (k % 3 == 0 ? -1 : 1) * (0.5 + rng.nextDouble());
                oldV[j] = v[i] - valueMoves[k % valueMoves.length];
                ret[j] = v[i] + rng.nextDouble(-1, 1);
            }
            rows.add(new PpoLosses.Row(z.sequence(), z.promptLength(), old, adv, ret, oldV));
        }
        return rows;
    }

    static final PpoLosses.Coefficients COEF = new PpoLosses.Coefficients(0.2, 0.2, 0.5, 0.05, 0.7);

    @Test
    void theEngineLossTermsAndEveryGradientEqualTheGraph() {
        GptWeights w = tinyWeights(true);
        assertEngineEqualsGraph(w, rows(new TrainGraph(w, T, PpoLosses.builder(COEF))), COEF);
    }

    /** Every loss term {@code c} turns on, the total and every parameter's gradient: the engine path against the graph. */
    static void assertEngineEqualsGraph(GptWeights w, List<PpoLosses.Row> rows, PpoLosses.Coefficients c) {
        double weight = 1.0 / PpoLosses.responseTokens(rows);
        TrainGraph.Result want = new TrainGraph(w, T, PpoLosses.builder(c)).run(PpoLosses.feeds(rows, T, weight, DataType.DOUBLE), PpoLosses.outputs(c));
        GptEngine engine = new GptEngine(w);
        Outputs out = engine.forward(PpoLosses.engineBatch(rows, T, c));
        assertEquals(c.critic(), out.value() != null, "values are computed only with a critic");
        Outputs.Grads grads = Outputs.Grads.zerosLike(out);
        PpoLosses.Terms terms = PpoLosses.apply(rows, T, weight, c, out, grads);
        engine.zeroGrad();
        engine.backward(grads);
        assertEquals(want.outputs().get(PpoLosses.POLICY_LOSS).getDouble(0), terms.policy(), 1e-12);
        if (c.critic()) assertEquals(want.outputs().get(PpoLosses.VALUE_LOSS).getDouble(0), terms.value(), 1e-12);
        if (c.entropyCoef() > 0) assertEquals(want.outputs().get(PpoLosses.ENTROPY).getDouble(0), terms.entropy(), 1e-12);
        if (c.klCoef() > 0) assertEquals(want.outputs().get(PpoLosses.KL_LOSS).getDouble(0), terms.kl(), 1e-12);
        assertEquals(want.loss(), terms.total(), 1e-12);
        assertGradientsEqual(want.gradients(), engine.gradients(), w.names());
    }

    @Test
    void theEnginePtxLossAndItsGradientEqualTheGraph() {
        GptWeights w = tinyWeights(true);
        PtxBatches batches = new PtxBatches(List.of(new PretrainDoc("the cat sat on the mat"), new PretrainDoc("hi"),
                new PretrainDoc("a longer document that is cut to a seeded window")), new ByteTokenizer(), T, 3, 9);
        TrainGraph.Result want = PtxBatches.graph(w, T, 27.8).run(batches.feeds(0, DataType.DOUBLE));
        GptEngine engine = new GptEngine(w);
        TrainLoop.Micro m = batches.micro(0, 27.8);
        Outputs out = engine.forward(m.batch());
        Outputs.Grads grads = Outputs.Grads.zerosLike(out);
        double loss = m.loss().apply(out, grads);
        engine.zeroGrad();
        engine.backward(grads);
        assertEquals(want.loss(), loss, 1e-10);
        assertGradientsEqual(want.gradients(), engine.gradients(), PtxBatches.backbone(w).names());
    }

    /** The closed-form gradient of {@link PpoLosses#apply} with respect to every output, by central differences. */
    @Test
    void theLossOnOutputsHasTheFiniteDifferenceGradient() {
        GptWeights w = tinyWeights(true);
        double worst = worstOutputGradientError(w, rows(new TrainGraph(w, T, PpoLosses.builder(COEF))), COEF);
        assertTrue(worst < 1e-8, "worst absolute difference " + worst);
    }

    /**
     * The largest |central difference − closed form| of {@link PpoLosses#apply}'s total over every output it reads
     * (log-probs, entropy, and values when there is a critic), on the engine's outputs for {@code rows}.
     */
    static double worstOutputGradientError(GptWeights w, List<PpoLosses.Row> rows, PpoLosses.Coefficients c) {
        double weight = 1.0 / PpoLosses.responseTokens(rows);
        Outputs out = new GptEngine(w).forward(PpoLosses.engineBatch(rows, T, c));
        Outputs.Grads grads = Outputs.Grads.zerosLike(out);
        PpoLosses.apply(rows, T, weight, c, out, grads);
        List<double[][]> pairs = new ArrayList<>(List.of(new double[][] {out.logprob(), grads.logprob()}, new double[][] {out.entropy(), grads.entropy()}));
        if (c.critic()) pairs.add(new double[][] {out.value(), grads.value()});
        double worst = 0;
        for (double[][] pair : pairs) {
            for (int i = 0; i < pair[0].length; i++) {
                double orig = pair[0][i];
                pair[0][i] = orig + 1e-6;
                double up = PpoLosses.apply(rows, T, weight, c, out, Outputs.Grads.zerosLike(out)).total();
                pair[0][i] = orig - 1e-6;
                double down = PpoLosses.apply(rows, T, weight, c, out, Outputs.Grads.zerosLike(out)).total();
                pair[0][i] = orig;
                worst = Math.max(worst, Math.abs((up - down) / 2e-6 - pair[1][i]));
            }
        }
        return worst;
    }

    // ---- the critic-free loss (RLOO, GRPO) and the KL loss term ----

    /** Critic-free with the KL loss term (β = 0.3) and the entropy bonus; PPO with the KL loss term. */
    static final PpoLosses.Coefficients CRITIC_FREE_KL = new PpoLosses.Coefficients(0.2, 0.2, 0.5, 0.05, 0.7, false, 0.3),
            PPO_KL = new PpoLosses.Coefficients(0.2, 0.2, 0.5, 0.05, 0.7, true, 0.3);

    /**
     * {@link #rows} with reference log-probs at chosen offsets from the current log-probs (log π − log π_ref from −0.6
     * to 0.8; the KL term is smooth, so no kinks to avoid); without a critic the value arrays are left out (null).
     */
    static List<PpoLosses.Row> rowsWithReference(boolean critic) {
        TrainGraph g = new TrainGraph(tinyWeights(true), T, PpoLosses.builder(COEF));
        List<PpoLosses.Row> rows = rows(g);
        int n = PpoLosses.responseTokens(rows);
        double[] lp = g.output(PpoLosses.feeds(rows, T, 1.0 / n, DataType.DOUBLE), PpoLosses.LOGPROBS).get(PpoLosses.LOGPROBS).toDoubleVector();
        double[] offsets = {0.4, -0.6, 0.8, 0.0, -0.2, 0.25};
        List<PpoLosses.Row> out = new ArrayList<>();
        int k = 0;
        for (int r = 0; r < rows.size(); r++) {
            PpoLosses.Row row = rows.get(r);
            double[] ref = new double[row.responseLength()];
            for (int j = 0; j < ref.length; j++, k++) ref[j] = lp[r * T + row.promptLength() + j - 1] - offsets[k % offsets.length];
            out.add(new PpoLosses.Row(row.sequence(), row.promptLength(), row.oldLogprobs(), row.advantages(),
                    critic ? row.returns() : null, critic ? row.oldValues() : null, ref));
        }
        return out;
    }

    @Test
    void criticFreeLossWithTheKlTermMatchesFiniteDifferences() {
        GptWeights w = tinyWeights(false);                  // the same backbone as tinyWeights(true), no value head
        TrainGraph g = new TrainGraph(w, T, PpoLosses.builder(CRITIC_FREE_KL));
        List<PpoLosses.Row> rows = rowsWithReference(false);
        Map<String, INDArray> feeds = PpoLosses.feeds(rows, T, 1.0 / PpoLosses.responseTokens(rows), DataType.DOUBLE);
        TrainGraph.Result r = g.run(feeds, PpoLosses.outputs(CRITIC_FREE_KL));
        assertTrue(r.outputs().get(PpoLosses.KL_LOSS).getDouble(0) > 0.01, "the KL term is live: " + r.outputs().get(PpoLosses.KL_LOSS));
        GradientCheck.Report rep = GradientCheck.check(g.sameDiff(), g.lossName(), feeds, w.names(), 2, 1e-5, 1e-6, 3);
        assertTrue(rep.maxRelError() < 1e-5, "worst " + rep.worst());
        assertEquals(w.names().size() * 2, rep.checked(), "2 entries of every parameter");
    }

    @Test
    void theEngineKlAndCriticFreeTermsAndEveryGradientEqualTheGraph() {
        for (PpoLosses.Coefficients c : List.of(CRITIC_FREE_KL, PPO_KL)) assertEngineEqualsGraph(tinyWeights(c.critic()), rowsWithReference(c.critic()), c);
    }

    @Test
    void theKlAndCriticFreeLossOnOutputsHasTheFiniteDifferenceGradient() {
        for (PpoLosses.Coefficients c : List.of(CRITIC_FREE_KL, PPO_KL)) {
            double worst = worstOutputGradientError(tinyWeights(c.critic()), rowsWithReference(c.critic()), c);
            assertTrue(worst < 1e-8, (c.critic() ? "PPO" : "critic-free") + " with KL: worst absolute difference " + worst);
        }
    }

    static void assertGradientsEqual(Map<String, INDArray> want, Map<String, INDArray> got, List<String> names) {
        for (String name : names) {
            INDArray wg = want.get(name);
            double rel = got.get(name).sub(wg).norm2Number().doubleValue() / Math.max(1e-6, wg.norm2Number().doubleValue());
            assertTrue(rel <= 1e-9, name + " differs by " + rel);
        }
    }

    @Test
    void ptxLossMatchesFiniteDifferences() {
        GptWeights w = tinyWeights(true);
        TrainGraph g = PtxBatches.graph(w, T, 27.8);
        PtxBatches batches = new PtxBatches(List.of(new PretrainDoc("the cat sat on the mat"), new PretrainDoc("hi"),
                new PretrainDoc("a longer document that is cut to a seeded window")), new ByteTokenizer(), T, 3, 9);
        Map<String, INDArray> feeds = batches.feeds(0, DataType.DOUBLE);
        GptWeights backbone = PtxBatches.backbone(w);
        GradientCheck.Report rep = GradientCheck.check(g.sameDiff(), g.lossName(), feeds, backbone.names(), 2, 1e-5, 1e-6, 4);
        assertTrue(rep.maxRelError() < 1e-5, "worst " + rep.worst());
        assertEquals(backbone.names().size() * 2, rep.checked());
        assertSame(w.get(GptWeights.WTE), backbone.get(GptWeights.WTE), "the ptx graph shares the policy's arrays");
    }
}
