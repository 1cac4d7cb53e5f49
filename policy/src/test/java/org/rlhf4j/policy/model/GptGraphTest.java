package org.rlhf4j.policy.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rlhf4j.policy.engine.Decoder;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.train.GradientCheck;

class GptGraphTest {
    static final int V = 11, T = 6;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static List<int[]> seqs() {
        return List.of(new int[] {1, 5, 3, 9, 2, 7}, new int[] {4, 4, 10, 0}, new int[] {8, 6, 2, 1, 3});
    }

    static Map<String, INDArray> feeds(TokenBatch b, DataType dt) {
        Map<String, INDArray> f = new HashMap<>();
        f.put(GptGraph.TOKENS, b.idsArray());
        f.put(GptGraph.POSITIONS, b.positionsArray());
        f.put(GptGraph.ATTN_BIAS, b.attentionBias(dt));
        return f;
    }

    @Test
    void gradientsOfEveryParameterMatchFiniteDifferences() {
        for (String act : List.of(GptConfig.GELU_TANH, GptConfig.GELU_EXACT)) {
            double eps = act.equals(GptConfig.GELU_TANH) ? 1e-5 : 1e-6;
            GptConfig c = new GptConfig(V, 8, 8, 2, 2, eps, act, 0.0);
            GptWeights w = TinyModels.weights(c, 7, DataType.DOUBLE).withHead(Head.VALUE, 3).withHead(Head.REWARD, 4);
            SameDiff sd = SameDiff.create();
            GptGraph.Outputs out = GptGraph.build(sd, w, T);
            TokenBatch b = TokenBatch.rightPadded(seqs(), T);
            TokenBatch.Targets tg = b.nextTokenTargets(null);
            SDVariable targets = sd.placeHolder("targets", DataType.INT, -1, T);
            SDVariable mask = sd.placeHolder("mask", DataType.DOUBLE, -1);
            SDVariable temp = sd.constant(Nd4j.scalar(1.3));
            SDVariable lp = GptGraph.tokenLogprobs(sd, out.logits(), targets, temp, V);
            // A loss that touches every output: masked log-probs, the value head and the reward head, with
            // coefficients so no two terms can cancel.
            SDVariable loss = lp.mul(mask).sum().mul(-1.0)
                    .add(out.heads().get(Head.VALUE).mul(mask).mul(out.heads().get(Head.VALUE)).sum().mul(0.7))
                    .add(out.heads().get(Head.REWARD).mul(mask).sum().mul(0.3));
            sd.setLossVariables(loss);
            Map<String, INDArray> f = feeds(b, DataType.DOUBLE);
            f.put("targets", tg.idsArray());
            f.put("mask", tg.maskArray(DataType.DOUBLE));
            GradientCheck.Report r = GradientCheck.check(sd, loss.name(), f, w.names(), 6, 1e-6, 1e-8, 11);
            assertTrue(r.maxRelError() < 1e-5, act + ": worst " + r.worst());
            assertEquals(w.names().size() * 6 - countSmall(w), r.checked(), "entries checked");
        }
    }

    private static int countSmall(GptWeights w) {
        int missing = 0;
        for (INDArray a : w.arrays().values()) if (a.length() < 6) missing += 6 - a.length();
        return missing;
    }

    static INDArray graphLogits(GptWeights w, TokenBatch b) {
        SameDiff sd = SameDiff.create();
        GptGraph.Outputs out = GptGraph.build(sd, w, b.len);
        return sd.output(feeds(b, w.dataType()), out.logits().name()).get(out.logits().name());
    }

    @Test
    void composedLayerNormEqualsTheDecoder() {
        GptConfig c = new GptConfig(V, 16, 8, 2, 2, 1e-3, GptConfig.GELU_EXACT, 0.0);
        GptWeights w = TinyModels.weights(c, 9, DataType.DOUBLE);
        TokenBatch b = TokenBatch.rightPadded(seqs(), T);
        try (Decoder f = new Decoder(w, b.rows, T)) {
            f.advance(b.ids, b.positions, b.realFlags());
            assertEquals(0, maxDiffOnReal(graphLogits(w, b), f.logits(), b), 1e-10);
        }
    }

    @Test
    void decoderEqualsTheGraphAndTheCacheEqualsTheFullForward() {
        GptConfig c = TinyModels.config(V);
        GptWeights w = TinyModels.weights(c, 9, DataType.DOUBLE);
        TokenBatch b = TokenBatch.rightPadded(seqs(), T);
        INDArray fromGraph = graphLogits(w, b);
        INDArray full;
        try (Decoder f = new Decoder(w, b.rows, T)) {
            f.advance(b.ids, b.positions, b.realFlags());
            full = f.logits();
        }
        assertEquals(0, maxDiffOnReal(fromGraph, full, b), 1e-10);

        // one token at a time through the cache
        try (Decoder f = new Decoder(w, b.rows, T)) {
            for (int t = 0; t < T; t++) {
                int[][] ids = new int[b.rows][1], pos = new int[b.rows][1];
                boolean[][] real = new boolean[b.rows][1];
                for (int r = 0; r < b.rows; r++) {
                    ids[r][0] = b.ids[r][t];
                    pos[r][0] = b.positions[r][t];
                    real[r][0] = b.real(r, t);
                }
                f.advance(ids, pos, real);
                INDArray step = f.logits();
                for (int r = 0; r < b.rows; r++) {
                    if (!b.real(r, t)) continue;
                    INDArray a = step.getRow(r), e = full.getRow((long) r * T + t);
                    assertEquals(0, a.sub(e).amaxNumber().doubleValue(), 1e-10, "row " + r + " t " + t);
                }
            }
        }
    }

    @Test
    void leftPaddingGivesTheSameLogitsAsRightPadding() {
        GptWeights w = TinyModels.weights(TinyModels.config(V), 5, DataType.DOUBLE);
        TokenBatch right = TokenBatch.rightPadded(seqs(), T), left = TokenBatch.leftPadded(seqs(), T);
        INDArray lr = graphLogits(w, right), ll = graphLogits(w, left);
        for (int r = 0; r < right.rows; r++) {
            int n = seqs().get(r).length;
            for (int t = 0; t < n; t++) {
                double d = lr.getRow((long) r * T + t).sub(ll.getRow((long) r * T + (T - n) + t)).amaxNumber().doubleValue();
                assertEquals(0, d, 1e-10);
            }
        }
    }

    @Test
    void packedExamplesDoNotSeeEachOther() {
        GptWeights w = TinyModels.weights(TinyModels.config(V), 5, DataType.DOUBLE);
        int[] a = {1, 2, 3}, b = {4, 5, 6};
        TokenBatch packed = TokenBatch.packed(List.of(List.of(a, b)), T);
        TokenBatch alone = TokenBatch.rightPadded(List.of(b), T);
        INDArray lp = graphLogits(w, packed), la = graphLogits(w, alone);
        for (int t = 0; t < 3; t++) assertEquals(0, lp.getRow(3 + t).sub(la.getRow(t)).amaxNumber().doubleValue(), 1e-10);
    }

    @Test
    void changingTokenTPlus1LeavesEarlierLogitsUnchanged() {
        GptWeights w = TinyModels.weights(TinyModels.config(V), 3, DataType.DOUBLE);
        int[] s = {3, 1, 4, 1, 5, 9};
        INDArray base = graphLogits(w, TokenBatch.rightPadded(List.of(s), T));
        for (int change = 1; change < T; change++) {
            int[] s2 = s.clone();
            s2[change] = (s2[change] + 5) % V;
            INDArray other = graphLogits(w, TokenBatch.rightPadded(List.of(s2), T));
            for (int t = 0; t < T; t++) {
                double d = base.getRow(t).sub(other.getRow(t)).amaxNumber().doubleValue();
                if (t < change) assertEquals(0, d, 0.0, "position " + t + " changed when token " + change + " changed");
                else if (t == change) assertTrue(d > 1e-6, "position " + t + " should see its own token");
            }
        }
    }

    static double maxDiffOnReal(INDArray a, INDArray b, TokenBatch batch) {
        double m = 0;
        for (int r = 0; r < batch.rows; r++)
            for (int t = 0; t < batch.len; t++)
                if (batch.real(r, t)) m = Math.max(m, a.getRow((long) r * batch.len + t).sub(b.getRow((long) r * batch.len + t)).amaxNumber().doubleValue());
        return m;
    }
}
