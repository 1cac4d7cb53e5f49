package org.rlhf4j.policy.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The named parameter arrays of one policy: the GPT-2 backbone plus optional scalar heads.
 *
 * <p>Names and layouts are Hugging Face GPT-2's (without the {@code transformer.} prefix): linear weights are stored
 * {@code [in, out]} as GPT-2's Conv1D does, so {@code y = x · W + b} with no transpose anywhere. The LM head is tied to
 * {@code wte.weight}. Heads: {@code value_head.*} (PPO critic) and {@code reward_head.*} (reward model), each
 * {@code [d, 1]} plus a bias {@code [1]}.
 */
public final class GptWeights {
    public static final String WTE = "wte.weight";
    public static final String WPE = "wpe.weight";
    public static final String LN_F_W = "ln_f.weight";
    public static final String LN_F_B = "ln_f.bias";
    public static final String VALUE_W = "value_head.weight";
    public static final String VALUE_B = "value_head.bias";
    public static final String REWARD_W = "reward_head.weight";
    public static final String REWARD_B = "reward_head.bias";

    /** A scalar head on the final hidden state. */
    public enum Head {
        VALUE(VALUE_W, VALUE_B), REWARD(REWARD_W, REWARD_B);
        public final String weight;
        public final String bias;

        Head(String weight, String bias) {
            this.weight = weight;
            this.bias = bias;
        }
    }

    /** Per-block parameter names: {@code h.{i}.ln_1.weight} and so on. */
    public static String block(int i, String leaf) {
        return "h." + i + "." + leaf;
    }

    public static final String LN1_W = "ln_1.weight", LN1_B = "ln_1.bias";
    public static final String ATTN_W = "attn.c_attn.weight", ATTN_B = "attn.c_attn.bias";
    public static final String PROJ_W = "attn.c_proj.weight", PROJ_B = "attn.c_proj.bias";
    public static final String LN2_W = "ln_2.weight", LN2_B = "ln_2.bias";
    public static final String FC_W = "mlp.c_fc.weight", FC_B = "mlp.c_fc.bias";
    public static final String FC2_W = "mlp.c_proj.weight", FC2_B = "mlp.c_proj.bias";

    private final GptConfig config;
    private final LinkedHashMap<String, INDArray> arrays;
    /** All tensors back to back in canonical order, each entry of {@link #arrays} a view of it; null until {@link #flat()}. */
    private INDArray flat;

    public GptWeights(GptConfig config, Map<String, INDArray> arrays) {
        this.config = config;
        this.arrays = new LinkedHashMap<>(arrays);
        List<String> problems = shapeProblems(config, this.arrays);
        if (!problems.isEmpty()) throw new IllegalArgumentException(String.join("\n", problems));
    }

    /** Expected shape of every backbone tensor, in canonical order. */
    public static LinkedHashMap<String, long[]> backboneShapes(GptConfig c) {
        long d = c.dModel();
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        s.put(WTE, new long[] {c.vocabSize(), d});
        s.put(WPE, new long[] {c.contextLength(), d});
        for (int i = 0; i < c.nLayer(); i++) {
            s.put(block(i, LN1_W), new long[] {d});
            s.put(block(i, LN1_B), new long[] {d});
            s.put(block(i, ATTN_W), new long[] {d, 3 * d});
            s.put(block(i, ATTN_B), new long[] {3 * d});
            s.put(block(i, PROJ_W), new long[] {d, d});
            s.put(block(i, PROJ_B), new long[] {d});
            s.put(block(i, LN2_W), new long[] {d});
            s.put(block(i, LN2_B), new long[] {d});
            s.put(block(i, FC_W), new long[] {d, 4 * d});
            s.put(block(i, FC_B), new long[] {4 * d});
            s.put(block(i, FC2_W), new long[] {4 * d, d});
            s.put(block(i, FC2_B), new long[] {d});
        }
        s.put(LN_F_W, new long[] {d});
        s.put(LN_F_B, new long[] {d});
        return s;
    }

    static List<String> shapeProblems(GptConfig c, Map<String, INDArray> arrays) {
        List<String> problems = new ArrayList<>();
        LinkedHashMap<String, long[]> expected = backboneShapes(c);
        for (Head h : Head.values()) {
            if (arrays.containsKey(h.weight) || arrays.containsKey(h.bias)) {
                expected.put(h.weight, new long[] {c.dModel(), 1});
                expected.put(h.bias, new long[] {1});
            }
        }
        for (var e : expected.entrySet()) {
            INDArray a = arrays.get(e.getKey());
            if (a == null) problems.add("tensor " + e.getKey() + ": missing (expected shape " + java.util.Arrays.toString(e.getValue()) + ")");
            else if (!java.util.Arrays.equals(a.shape(), e.getValue()))
                problems.add("tensor " + e.getKey() + ": expected shape " + java.util.Arrays.toString(e.getValue()) + ", got " + java.util.Arrays.toString(a.shape()));
        }
        for (String k : arrays.keySet()) if (!expected.containsKey(k)) problems.add("tensor " + k + ": not a parameter of this model");
        return problems;
    }

    /**
     * GPT-2's initialisation: N(0, 0.02) for matrices and embeddings, residual projections scaled by 1/√(2·nLayer),
     * LayerNorm gains 1, biases 0. Deterministic for a seed (Java's SplittableRandom, not ND4J's global RNG).
     */
    public static GptWeights init(GptConfig c, long seed, DataType dtype) {
        SplittableRandom rng = new SplittableRandom(seed);
        LinkedHashMap<String, INDArray> a = new LinkedHashMap<>();
        double residualStd = 0.02 / Math.sqrt(2.0 * c.nLayer());
        for (var e : backboneShapes(c).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            INDArray arr;
            if (name.endsWith("ln_1.weight") || name.endsWith("ln_2.weight") || name.equals(LN_F_W)) arr = Nd4j.ones(dtype, shape);
            else if (shape.length == 1) arr = Nd4j.zeros(dtype, shape);
            else {
                double std = name.endsWith(PROJ_W) || name.endsWith(FC2_W) ? residualStd : 0.02;
                arr = gaussian(rng, std, dtype, shape);
            }
            a.put(name, arr);
        }
        return new GptWeights(c, a);
    }

    static INDArray gaussian(SplittableRandom rng, double std, DataType dtype, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            // Box–Muller on SplittableRandom so the values do not depend on ND4J's RNG implementation.
            double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
            v[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        }
        return Nd4j.create(v, shape, 'c').castTo(dtype);
    }

    /** Adds a scalar head initialised to zero bias and N(0, 1/(d+1)) weights, as OpenRLHF's value/reward heads. */
    public GptWeights withHead(Head head, long seed) {
        if (hasHead(head)) return this;
        LinkedHashMap<String, INDArray> a = new LinkedHashMap<>(arrays);
        DataType dt = arrays.get(WTE).dataType();
        a.put(head.weight, gaussian(new SplittableRandom(seed), 1.0 / Math.sqrt(config.dModel() + 1.0), dt, config.dModel(), 1));
        a.put(head.bias, Nd4j.zeros(dt, 1));
        return new GptWeights(config, a);
    }

    /** Copies another policy's head (e.g. the value head initialised from the reward model's head). */
    public GptWeights withHeadFrom(Head head, INDArray weight, INDArray bias) {
        LinkedHashMap<String, INDArray> a = new LinkedHashMap<>(arrays);
        a.put(head.weight, weight.dup());
        a.put(head.bias, bias.dup());
        return new GptWeights(config, a);
    }

    public boolean hasHead(Head head) {
        return arrays.containsKey(head.weight);
    }

    public GptConfig config() {
        return config;
    }

    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) throw new IllegalArgumentException("no tensor named " + name);
        return a;
    }

    /** Live view: names in canonical order mapped to the arrays themselves (in-place updates are seen by every user). */
    public Map<String, INDArray> arrays() {
        return Collections.unmodifiableMap(arrays);
    }

    public List<String> names() {
        return List.copyOf(arrays.keySet());
    }

    public DataType dataType() {
        return arrays.get(WTE).dataType();
    }

    /** A deep copy, e.g. the frozen reference policy: later updates to this object do not reach the copy. */
    public GptWeights copy() {
        LinkedHashMap<String, INDArray> a = new LinkedHashMap<>();
        arrays.forEach((k, v) -> a.put(k, v.dup()));
        return new GptWeights(config, a);
    }

    public GptWeights castTo(DataType dtype) {
        LinkedHashMap<String, INDArray> a = new LinkedHashMap<>();
        arrays.forEach((k, v) -> a.put(k, v.castTo(dtype).dup()));
        return new GptWeights(config, a);
    }

    /** Copies values from {@code other} into these arrays in place (shapes must match). */
    public void assignFrom(GptWeights other) {
        for (var e : arrays.entrySet()) e.getValue().assign(other.get(e.getKey()));
    }

    /**
     * One flat buffer holding every tensor in canonical order; the named arrays become views of it (in place, once).
     * The training engine, gradient clipping and checkpoints work on this buffer. Arrays fetched before the first call
     * are no longer this object's tensors afterwards, so flatten before building anything over {@link #arrays()}.
     */
    public INDArray flat() {
        if (flat != null) return flat;
        INDArray buf = Nd4j.create(dataType(), parameterCount());
        long off = 0;
        for (var e : arrays.entrySet()) {
            INDArray a = e.getValue();
            INDArray view = buf.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(off, off + a.length())).reshape('c', a.shape());
            view.assign(a);
            e.setValue(view);
            off += a.length();
        }
        flat = buf;
        // The per-tensor arrays just replaced are garbage now, but their native memory is freed only when the collector
        // finds them: at GPT-2 size that is 0.5 GB held for the whole run. One collection here (once per policy, never
        // per step) gives it back.
        System.gc();
        return flat;
    }

    /** Offset of each tensor in {@link #flat()}, in canonical order. */
    public LinkedHashMap<String, Long> offsets() {
        LinkedHashMap<String, Long> o = new LinkedHashMap<>();
        long off = 0;
        for (var e : arrays.entrySet()) {
            o.put(e.getKey(), off);
            off += e.getValue().length();
        }
        return o;
    }

    public long parameterCount() {
        long n = 0;
        for (INDArray a : arrays.values()) n += a.length();
        return n;
    }
}
