package org.rlhf4j.policy.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptGraph;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.train.TrainGraph;

/**
 * The engine against the SameDiff graph (the oracle) in float64: every output and every parameter's gradient of a
 * loss that uses every output (log-probs at a temperature, entropy, values, the reward head), on packed rows with
 * padding; and the engine's own gradient against central finite differences.
 */
class GptEngineTest {
    static final int V = 13, LEN = 12;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    /** A tiny model with both heads and every LayerNorm and bias moved off its initial value. */
    static GptWeights weights(String activation, int heads, long seed, int ctx) {
        GptConfig c = new GptConfig(V, ctx, 12, 2, heads, 1e-5, activation, 0.0);
        GptWeights w = GptWeights.init(c, seed, DataType.DOUBLE).withHead(Head.VALUE, seed + 1).withHead(Head.REWARD, seed + 2);
        SplittableRandom r = new SplittableRandom(seed + 3);
        for (var e : w.arrays().entrySet())
            if (e.getValue().rank() == 1) for (long i = 0; i < e.getValue().length(); i++) e.getValue().putScalar(i, e.getValue().getDouble(i) + 0.3 * (r.nextDouble() - 0.5));
        return w;
    }

    /** Row 0 packs two examples, row 1 holds one and padding, row 2 one full-length example. */
    static TokenBatch batch() {
        List<List<int[]>> rows = List.of(
                List.of(new int[] {1, 5, 7, 2, 9}, new int[] {3, 3, 8, 12, 0, 4}),
                List.of(new int[] {6, 2, 11}),
                List.of(new int[] {2, 4, 6, 8, 10, 12, 1, 3, 5, 7, 9, 11}));
        return TokenBatch.packed(rows, LEN);
    }

    record Coeffs(double[] lp, double[] ent, double[] val, double[] rew) {}

    static Coeffs coeffs(int n, int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] lp = new double[n], ent = new double[n], val = new double[n], rew = new double[rows];
        for (int i = 0; i < n; i++) {
            lp[i] = r.nextDouble() - 0.5;
            ent[i] = r.nextDouble() - 0.5;
            val[i] = r.nextDouble() - 0.5;
        }
        for (int i = 0; i < rows; i++) rew[i] = r.nextDouble() - 0.5;
        return new Coeffs(lp, ent, val, rew);
    }

    static int[] lastReal(TokenBatch tb) {
        int[] at = new int[tb.rows];
        for (int r = 0; r < tb.rows; r++) for (int t = 0; t < tb.len; t++) if (tb.real(r, t)) at[r] = t;
        return at;
    }

    static EngineBatch engineBatch(TokenBatch tb, double temperature) {
        return EngineBatch.of(tb).withTargets(tb.nextTokenTargets(null)).withTemperature(temperature, true).withValues().withRewardAt(lastReal(tb));
    }

    /** Σ c·output over every output, masked where the slot has no target (log-prob and entropy). */
    static double loss(Outputs o, Coeffs k, int[] targets) {
        double s = 0;
        for (int i = 0; i < o.logprob().length; i++) {
            if (targets[i] >= 0) s += k.lp[i] * o.logprob()[i] + k.ent[i] * o.entropy()[i];
            s += k.val[i] * o.value()[i];
        }
        for (int r = 0; r < o.reward().length; r++) s += k.rew[r] * o.reward()[r];
        return s;
    }

    static Outputs.Grads grads(Coeffs k, int[] targets) {
        double[] lp = k.lp.clone(), ent = k.ent.clone();
        for (int i = 0; i < targets.length; i++) if (targets[i] < 0) lp[i] = ent[i] = 0;
        return new Outputs.Grads(lp, ent, k.val.clone(), k.rew.clone());
    }

    /** The same loss as a SameDiff graph over the same weights. */
    static TrainGraph oracle(GptWeights w, TokenBatch tb, EngineBatch eb, Coeffs k) {
        int n = tb.rows * tb.len;
        double[] lpMask = new double[n], entMask = new double[n], last = new double[n];
        int[][] tg = new int[tb.rows][tb.len];
        for (int i = 0; i < n; i++) {
            int t = eb.targets()[i];
            tg[i / tb.len][i % tb.len] = Math.max(t, 0);
            lpMask[i] = t >= 0 ? k.lp[i] : 0;
            entMask[i] = t >= 0 ? k.ent[i] : 0;
        }
        double[] rewPerSlot = new double[n];
        for (int r = 0; r < tb.rows; r++) rewPerSlot[r * tb.len + eb.rewardAt()[r]] = k.rew[r];
        return new TrainGraph(w, tb.len, (sd, out) -> {
            SDVariable temp = sd.constant("temp", Nd4j.scalar(DataType.DOUBLE, eb.temperature()));
            SDVariable targets = sd.constant("targets", Nd4j.createFromArray(tg).castTo(DataType.INT));
            SDVariable lp = GptGraph.tokenLogprobs(sd, out.logits(), targets, temp, V);
            SDVariable logp = sd.nn().logSoftmax(out.logits().div(temp));
            SDVariable ent = sd.math().exp(logp).mul(logp).sum(1).neg();
            SDVariable l = lp.mul(sd.constant(Nd4j.createFromArray(lpMask))).sum()
                    .add(ent.mul(sd.constant(Nd4j.createFromArray(entMask))).sum())
                    .add(out.heads().get(Head.VALUE).mul(sd.constant(Nd4j.createFromArray(k.val))).sum())
                    .add(out.heads().get(Head.REWARD).mul(sd.constant(Nd4j.createFromArray(rewPerSlot))).sum());
            return l;
        });
    }

    static Map<String, INDArray> feeds(TokenBatch tb) {
        Map<String, INDArray> f = new HashMap<>();
        f.put(GptGraph.TOKENS, tb.idsArray());
        f.put(GptGraph.POSITIONS, tb.positionsArray());
        f.put(GptGraph.ATTN_BIAS, tb.attentionBias(DataType.DOUBLE));
        return f;
    }

    /** Both GELU forms, on both kernel sets (the CPU set and the ND4J-op set that runs on CUDA). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"gelu_new,cpu", "gelu,cpu", "gelu_new,nd4j", "gelu,nd4j"})
    void everyGradientEqualsTheSameDiffOracle(String activation, String kernels) {
        assertEqualsOracle(weights(activation, 3, 7, 16), batch(), GptEngine.LOGIT_BUDGET, kernels(kernels));
    }

    static KernelSet kernels(String name) {
        return name.equals("cpu") ? CpuKernels.INSTANCE : Nd4jKernels.INSTANCE;
    }

    /**
     * Rows longer than a query block (attention in blocks of {@link CpuKernels#QUERY_BLOCK} queries) and a logit budget
     * of two rows (the LM head in blocks, recomputed in the backward).
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "nd4j"})
    void longRowsAndBlockedLogitsEqualTheSameDiffOracle(String kernels) {
        SplittableRandom r = new SplittableRandom(4);
        List<List<int[]>> rows = List.of(
                List.of(r.ints(150, 0, V).toArray()),
                List.of(r.ints(70, 0, V).toArray(), r.ints(61, 0, V).toArray()),
                List.of(r.ints(3, 0, V).toArray()));
        assertEqualsOracle(weights(GptConfig.GELU_TANH, 2, 3, 160), TokenBatch.packed(rows, 150), 2L * V, kernels(kernels));
    }

    static void assertEqualsOracle(GptWeights w, TokenBatch tb, long logitBudget, KernelSet kernels) {
        EngineBatch eb = engineBatch(tb, 0.7);
        Coeffs k = coeffs(tb.rows * tb.len, tb.rows, 11);

        GptEngine engine = new GptEngine(w, logitBudget, false, kernels);
        Outputs o = engine.forward(eb);
        engine.zeroGrad();
        engine.backward(grads(k, eb.targets()));
        double engineLoss = loss(o, k, eb.targets());

        TrainGraph.Result r = oracle(w, tb, eb, k).run(feeds(tb));
        assertEquals(r.loss(), engineLoss, 1e-10 * Math.max(1, Math.abs(r.loss())), "loss");
        Map<String, INDArray> mine = engine.gradients();
        double worst = 0;
        String where = "";
        for (String name : w.names()) {
            INDArray want = r.gradients().get(name), got = mine.get(name);
            double scale = Math.max(1e-6, want.norm2Number().doubleValue());
            double err = got.sub(want).norm2Number().doubleValue() / scale;
            if (err > worst) {
                worst = err;
                where = name;
            }
        }
        assertTrue(worst <= 1e-9, "largest relative gradient difference " + worst + " at " + where);
    }

    @Test
    void theArenaIsExactlyTheUpFrontEstimate() {
        GptWeights w = weights(GptConfig.GELU_TANH, 3, 7, 16);
        TokenBatch tb = batch();
        GptEngine engine = new GptEngine(w);
        EngineBatch eb = engineBatch(tb, 1.0);
        engine.forward(eb);
        // the estimate gives every slot a logits row; the arena holds rows for the slots with a target only
        int withoutTarget = tb.rows * tb.len - eb.targetCount();
        GptConfig c = w.config();
        assertEquals(GptEngine.arenaElements(c, tb.rows, tb.len) - (long) withoutTarget * (2 * c.dModel() + c.vocabSize()), engine.arenaLength());
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        GptWeights w = weights(GptConfig.GELU_TANH, 2, 5, 16);
        TokenBatch tb = batch();
        EngineBatch eb = engineBatch(tb, 1.3);
        Coeffs k = coeffs(tb.rows * tb.len, tb.rows, 3);
        GptEngine engine = new GptEngine(w);
        engine.forward(eb);
        engine.zeroGrad();
        engine.backward(grads(k, eb.targets()));
        INDArray flat = w.flat(), grad = engine.gradientFlat();
        SplittableRandom r = new SplittableRandom(9);
        double eps = 1e-5, worst = 0;
        List<Long> picks = new ArrayList<>();
        for (var e : w.offsets().entrySet()) for (int j = 0; j < 3; j++) picks.add(e.getValue() + r.nextLong(w.get(e.getKey()).length()));
        for (long i : picks) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + eps);
            double up = loss(engine.forward(eb), k, eb.targets());
            flat.putScalar(i, orig - eps);
            double down = loss(engine.forward(eb), k, eb.targets());
            flat.putScalar(i, orig);
            double num = (up - down) / (2 * eps), an = grad.getDouble(i);
            worst = Math.max(worst, Math.abs(num - an) / Math.max(1e-4, Math.abs(num) + Math.abs(an)));
        }
        assertTrue(worst < 1e-5, "worst relative error " + worst); // measured 1.2e-6 (eps 1e-5; rounding-dominated)
    }

    @Test
    void anInferenceEngineGivesTheSameOutputsInOneLayersMemory() {
        GptWeights w = weights(GptConfig.GELU_TANH, 3, 17, 16);
        TokenBatch tb = batch();
        EngineBatch eb = engineBatch(tb, 0.9);
        Outputs full = new GptEngine(w).forward(eb);
        GptEngine inference = GptEngine.forInference(w);
        Outputs lean = inference.forward(eb);
        assertArrayEquals(full.logprob(), lean.logprob(), 0.0);
        assertArrayEquals(full.entropy(), lean.entropy(), 0.0);
        assertArrayEquals(full.value(), lean.value(), 0.0);
        assertArrayEquals(full.reward(), lean.reward(), 0.0);
        assertThrows(IllegalStateException.class, () -> inference.backward(Outputs.Grads.zerosLike(lean)));
    }

    @Test
    void outputsEqualTheSameDiffForward() {
        GptWeights w = weights(GptConfig.GELU_TANH, 3, 17, 16);
        TokenBatch tb = batch();
        EngineBatch eb = engineBatch(tb, 1.0);
        Outputs o = new GptEngine(w).forward(eb);
        SameDiff sd = SameDiff.create();
        GptGraph.Outputs g = GptGraph.build(sd, w, tb.len);
        Map<String, INDArray> out = sd.output(feeds(tb), g.logits().name(), g.heads().get(Head.VALUE).name());
        INDArray logits = out.get(g.logits().name()), values = out.get(g.heads().get(Head.VALUE).name());
        for (int i = 0; i < tb.rows * tb.len; i++) {
            if (!tb.real(i / tb.len, i % tb.len)) continue;
            assertEquals(values.getDouble(i), o.value()[i], 1e-12, "value at slot " + i);
            int t = eb.targets()[i];
            if (t < 0) continue;
            INDArray row = logits.getRow(i);
            double max = row.maxNumber().doubleValue();
            double lse = max + Math.log(org.nd4j.linalg.ops.transforms.Transforms.exp(row.sub(max)).sumNumber().doubleValue());
            assertEquals(row.getDouble(t) - lse, o.logprob()[i], 1e-12, "log-prob at slot " + i);
        }
    }
}
