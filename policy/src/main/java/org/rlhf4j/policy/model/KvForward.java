package org.rlhf4j.policy.model;

import static org.rlhf4j.policy.model.GptWeights.*;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GPT forward pass without gradients, with a key/value cache: each call appends {@code t} new positions per row
 * and attends over everything cached so far. Full-sequence scoring is one call with an empty cache; decoding is one
 * call per token with {@code t = 1}. Computes exactly the function of {@link GptGraph} (same weights, same LayerNorm
 * and GELU forms), which a test checks.
 *
 * <p>How it is fast on a CPU: the four matrix products of each block (and the LM head) run as BLAS {@code gemm} into
 * native buffers allocated once per cache and step width; everything else (embedding lookup, LayerNorm, bias adds,
 * attention over the cache, softmax, GELU, residual adds) runs in plain Java over {@code double[]} working arrays. On
 * this project's machines every ND4J op costs tens of microseconds of bookkeeping and native allocation whatever its
 * size, and a decoding step used to issue ~40 of them per block; now it issues 4 gemm calls per block and allocates
 * nothing ({@link HostArrays} has the measurements). The cache lives in Java arrays, in float64 whatever the weights'
 * type; keys hidden from every query (padding) are skipped, which equals adding {@link #MASKED} and then
 * softmax, since exp(−1e9) is exactly 0 in float32 and float64.
 *
 * <p>Weights must be float32 or float64. Small parameter vectors are re-read from the weight arrays at every step, so
 * in-place updates of the policy's weights are seen by the next step.
 */
public final class KvForward {
    /** Additive bias that hides a key; finite so that a row with every key hidden (a padding query) stays finite. */
    public static final float MASKED = -1e9f;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    /** Steps at least this wide attend through gemm calls per row and head; narrower ones (decoding) in Java. */
    static final int GEMM_ATTENTION_MIN = 8;

    private final GptWeights w;
    private final GptConfig c;
    private final DataType dt;
    private final int d, h, hs;

    public KvForward(GptWeights weights) {
        this.w = weights;
        this.c = weights.config();
        this.dt = weights.dataType();
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE) throw new IllegalArgumentException("KvForward runs float32 or float64 weights, got " + dt);
        this.d = c.dModel();
        this.h = c.nHead();
        this.hs = c.headSize();
    }

    /** Keys and values of every block for B rows and up to {@code capacity} positions, plus which keys are real. */
    public final class Cache implements AutoCloseable {
        final int rows, capacity;
        /**
         * Per block: keys transposed, (B, H, hs, capacity), and values, (B, H, capacity, hs), flat; allocated by the
         * first step that leaves room for a later one.
         */
        double[][] keys, values;
        /** (B, capacity): whether the key at each position is a real token (padding keys are hidden). */
        final boolean[][] realKey;
        int length;
        /** Buffers for the latest step's width; reused while it stays the same (every decoding step). */
        Workspace ws;
        /** Positions per row of the latest step. */
        int lastT;

        Cache(int rows, int capacity) {
            this.rows = rows;
            this.capacity = capacity;
            this.realKey = new boolean[rows][capacity];
        }

        public int length() {
            return length;
        }

        Workspace workspace(int t) {
            if (ws == null || ws.t != t) {
                if (ws != null) ws.close();
                ws = new Workspace(rows, t, capacity);
            }
            return ws;
        }

        void ensureKeys() {
            if (keys != null) return;
            keys = new double[c.nLayer()][];
            values = new double[c.nLayer()][];
            for (int l = 0; l < c.nLayer(); l++) {
                keys[l] = new double[rows * capacity * d];
                values[l] = new double[rows * capacity * d];
            }
        }

        @Override
        public void close() {
            if (ws != null) ws.close();
            ws = null;
            keys = values = null;
        }
    }

    /** Working arrays of one step of n = B·t positions: Java for element-wise work, native for the gemm operands. */
    private final class Workspace implements AutoCloseable {
        final int t, n;
        final double[] x, a, qkv, y, m, hidden, scores; // (n,d) residual, (n,d) scratch, (n,3d), (n,d), (n,4d), (n,d), (capacity)
        double[] erfArg;                                 // (n,4d), exact GELU only
        double[] stepKeys, stepValues;                   // a step that fills the cache: its keys/values, as the cache's
        int attnEnd = -1;                                // wide steps: gemm attention buffers for keys 0..attnEnd-1
        INDArray qBuf, ktBuf, sBuf, vBuf, yBuf;          // (t,hs), (hs,end), (t,end), (end,hs), (t,hs)
        double[] q, kt, p, yh;
        final INDArray inD, in4D, out3D, outD, out4D;    // gemm inputs (n,d), (n,4d); outputs (n,3d), (n,d), (n,4d)
        INDArray lastHidden, logits;                     // (B,d), (B,V): the LM head at each row's last position
        float[][] logitRows;

        Workspace(int rows, int t, int capacity) {
            this.t = t;
            this.n = rows * t;
            x = new double[n * d];
            a = new double[n * d];
            qkv = new double[n * 3 * d];
            y = new double[n * d];
            m = new double[n * 4 * d];
            hidden = new double[n * d];
            scores = new double[capacity];
            inD = HostArrays.create(dt, n, d);
            in4D = HostArrays.create(dt, n, 4L * d);
            out3D = HostArrays.create(dt, n, 3L * d);
            outD = HostArrays.create(dt, n, d);
            out4D = HostArrays.create(dt, n, 4L * d);
        }

        @Override
        public void close() {
            for (INDArray arr : new INDArray[] {inD, in4D, out3D, outD, out4D, lastHidden, logits, qBuf, ktBuf, sBuf, vBuf, yBuf})
                if (arr != null) arr.close();
        }
    }

    public Cache newCache(int rows, int capacity) {
        if (capacity > c.contextLength()) throw new IllegalArgumentException("cache capacity " + capacity + " exceeds n_positions=" + c.contextLength());
        return new Cache(rows, capacity);
    }

    /**
     * Appends {@code t} positions per row and returns the final hidden states, (B·t, d) after ln_f.
     *
     * @param tokens    (B, t) token ids; a padding slot may hold any valid id
     * @param positions (B, t) position ids
     * @param real      (B, t) false for padding: no later query attends to that key
     */
    public INDArray step(Cache cache, int[][] tokens, int[][] positions, boolean[][] real) {
        advance(cache, tokens, positions, real);
        Workspace ws = cache.ws;
        INDArray out = Nd4j.create(dt, ws.n, d);
        HostArrays.write(out, ws.hidden, 0, ws.n * d);
        return out;
    }

    /**
     * {@link #step} without materialising the hidden states as an array: for decoding loops that read only
     * {@link #lastLogits}.
     */
    public void advance(Cache cache, int[][] tokens, int[][] positions, boolean[][] real) {
        int b = cache.rows, t = tokens.length == 0 ? 0 : tokens[0].length, start = cache.length, end = start + t;
        if (tokens.length != b) throw new IllegalArgumentException("expected " + b + " rows, got " + tokens.length);
        if (t < 1) throw new IllegalArgumentException("a step needs at least one position");
        if (end > cache.capacity) throw new IllegalArgumentException("cache full: " + end + " > " + cache.capacity);
        Workspace ws = cache.workspace(t);
        int n = ws.n;
        boolean later = end < cache.capacity; // another step may follow: keep this step's keys and values
        if (later) cache.ensureKeys();
        for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) cache.realKey[i][start + j] = real[i][j];

        embed(ws.x, tokens, positions, ws.a);
        for (int l = 0; l < c.nLayer(); l++) {
            layerNorm(ws.x, ws.a, n, block(l, LN1_W), block(l, LN1_B));
            linear(ws.a, ws.inD, block(l, ATTN_W), block(l, ATTN_B), ws.out3D, ws.qkv, n, d, 3 * d);
            attend(cache, l, ws, start, later);
            linear(ws.y, ws.inD, block(l, PROJ_W), block(l, PROJ_B), ws.outD, ws.a, n, d, d);
            addInto(ws.x, ws.a, n * d);
            layerNorm(ws.x, ws.a, n, block(l, LN2_W), block(l, LN2_B));
            linear(ws.a, ws.inD, block(l, FC_W), block(l, FC_B), ws.out4D, ws.m, n, d, 4 * d);
            gelu(ws, n * 4 * d);
            linear(ws.m, ws.in4D, block(l, FC2_W), block(l, FC2_B), ws.outD, ws.a, n, 4 * d, d);
            addInto(ws.x, ws.a, n * d);
        }
        layerNorm(ws.x, ws.hidden, n, LN_F_W, LN_F_B);
        cache.length = end;
        cache.lastT = t;
    }

    /**
     * LM-head logits at each row's last position of the latest step, (B, V) in float32: one gemm, no allocation
     * after the first call. The rows are reused by the next call: copy what must outlive it.
     */
    public float[][] lastLogits(Cache cache) {
        Workspace ws = cache.ws;
        if (ws == null) throw new IllegalStateException("no step has run on this cache");
        int b = cache.rows, t = ws.t, v = c.vocabSize();
        if (ws.lastHidden == null) {
            ws.lastHidden = HostArrays.create(dt, b, d);
            ws.logits = HostArrays.create(dt, b, v);
            ws.logitRows = new float[b][v];
        }
        double[] last = t == 1 ? ws.hidden : ws.a; // ws.a is free scratch between steps
        if (t > 1) for (int i = 0; i < b; i++) System.arraycopy(ws.hidden, (i * t + t - 1) * d, last, i * d, d);
        HostArrays.write(ws.lastHidden, last, 0, b * d);
        Nd4j.gemm(ws.lastHidden, w.get(WTE), ws.logits, false, true, 1.0, 0.0);
        for (int i = 0; i < b; i++) HostArrays.read(ws.logits, (long) i * v, ws.logitRows[i], 0, v);
        return ws.logitRows;
    }

    /** LM-head logits for hidden states: hidden · wteᵀ, (N, V). */
    public INDArray logits(INDArray hidden) {
        return hidden.mmul(w.get(WTE).transpose());
    }

    /**
     * A float32 or float64 matrix (N, V) as float rows, one bulk copy per row. {@code INDArray.toFloatMatrix()} reads
     * element by element: measured 0.07–0.37 s for the (2048, 512..8192) logits of one scoring call.
     */
    public static float[][] floatRows(INDArray m) {
        if (m.rank() != 2) throw new IllegalArgumentException("expected a matrix, got rank " + m.rank());
        INDArray a = HostArrays.dense(m);
        int n = Math.toIntExact(a.rows()), v = Math.toIntExact(a.columns());
        float[][] out = new float[n][v];
        for (int i = 0; i < n; i++) HostArrays.read(a, (long) i * v, out[i], 0, v);
        return out;
    }

    /** Scalar head output for hidden states, (N). */
    public INDArray head(INDArray hidden, Head head) {
        return hidden.mmul(w.get(head.weight)).addi(w.get(head.bias).getDouble(0)).reshape(-1);
    }

    // ---- the pieces of a step, on Java arrays -------------------------------------------------------------------

    /** x = wte[token] + wpe[position] for every slot; {@code tmp} is (n,d) scratch. */
    private void embed(double[] x, int[][] tokens, int[][] positions, double[] tmp) {
        INDArray wte = HostArrays.dense(w.get(WTE)), wpe = HostArrays.dense(w.get(WPE));
        int t = tokens[0].length, v = c.vocabSize(), ctx = c.contextLength();
        for (int i = 0; i < tokens.length; i++) {
            for (int j = 0; j < t; j++) {
                int tok = tokens[i][j], pos = positions[i][j], r = (i * t + j) * d;
                if (tok < 0 || tok >= v) throw new IllegalArgumentException("token id " + tok + " (row " + i + ", slot " + j + ") is outside 0.." + (v - 1));
                if (pos < 0 || pos >= ctx) throw new IllegalArgumentException("position " + pos + " (row " + i + ", slot " + j + ") is outside 0.." + (ctx - 1));
                HostArrays.read(wte, (long) tok * d, x, r, d);
                HostArrays.read(wpe, (long) pos * d, tmp, r, d);
                for (int k = 0; k < d; k++) x[r + k] += tmp[r + k];
            }
        }
    }

    /** dst = src · W + b for n rows: one gemm through the native buffers {@code in} (n, din) and {@code out} (n, dout). */
    private void linear(double[] src, INDArray in, String weight, String bias, INDArray out, double[] dst, int n, int din, int dout) {
        HostArrays.write(in, src, 0, n * din);
        Nd4j.gemm(in, w.get(weight), out, false, false, 1.0, 0.0);
        HostArrays.read(out, 0, dst, 0, n * dout);
        double[] bv = HostArrays.toDoubles(w.get(bias));
        for (int r = 0; r < n; r++) {
            int o = r * dout;
            for (int k = 0; k < dout; k++) dst[o + k] += bv[k];
        }
    }

    /** LayerNorm over each row of (n, d): (x − μ)·(σ² + ε)^−½·gain + bias, as {@link GptGraph#layerNorm}. */
    private void layerNorm(double[] src, double[] dst, int n, String gain, String bias) {
        double[] g = HostArrays.toDoubles(w.get(gain)), bv = HostArrays.toDoubles(w.get(bias));
        double eps = c.layerNormEpsilon();
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double mean = 0;
            for (int k = 0; k < d; k++) mean += src[o + k];
            mean /= d;
            double var = 0;
            for (int k = 0; k < d; k++) {
                double cen = src[o + k] - mean;
                var += cen * cen;
            }
            double inv = Math.pow(var / d + eps, -0.5);
            for (int k = 0; k < d; k++) dst[o + k] = (src[o + k] - mean) * inv * g[k] + bv[k];
        }
    }

    /**
     * Causal multi-head attention of this step's queries over the cached keys and this step's own, into ws.y (n, d).
     * Query (row i, slot j) at cache position p = start + j sees key s ≤ p when s == p or key s is real. Keys are
     * stored transposed, (B, H, hs, capacity), so the scores of one query over all keys are hs passes of
     * {@code scores[s] += q[e]·key[e][s]}, a loop over s that the JIT vectorises.
     */
    private void attend(Cache cache, int l, Workspace ws, int start, boolean keep) {
        int t = ws.t, d3 = 3 * d, cap = cache.capacity;
        double scale = 1.0 / Math.sqrt(hs);
        double[] qkv = ws.qkv, y = ws.y, sc = ws.scores, kt, vv;
        if (keep || cache.keys != null) {
            cache.ensureKeys();
            kt = cache.keys[l];
            vv = cache.values[l];
        } else { // one step fills the whole cache (scoring): nothing reads these keys later, keep them per layer only
            if (ws.stepKeys == null) {
                ws.stepKeys = new double[cache.rows * cap * d];
                ws.stepValues = new double[cache.rows * cap * d];
            }
            kt = ws.stepKeys;
            vv = ws.stepValues;
        }
        for (int i = 0; i < cache.rows; i++)
            for (int j = 0; j < t; j++)
                for (int hh = 0; hh < h; hh++) {
                    int src = (i * t + j) * d3 + hh * hs, kBase = (i * h + hh) * hs * cap + start + j;
                    for (int e = 0; e < hs; e++) kt[kBase + e * cap] = qkv[src + d + e];
                    System.arraycopy(qkv, src + 2 * d, vv, ((i * h + hh) * cap + start + j) * hs, hs);
                }
        if (t >= GEMM_ATTENTION_MIN) {
            attendByGemm(cache, ws, start, kt, vv);
            return;
        }
        for (int i = 0; i < cache.rows; i++) {
            boolean[] realKey = cache.realKey[i];
            for (int hh = 0; hh < h; hh++) {
                int kBase = (i * h + hh) * hs * cap, vBase = (i * h + hh) * cap * hs;
                for (int j = 0; j < t; j++) {
                    int p = start + j, n = p + 1, qo = (i * t + j) * d3 + hh * hs;
                    java.util.Arrays.fill(sc, 0, n, 0.0);
                    for (int e = 0; e < hs; e++) axpy(qkv[qo + e] * scale, kt, kBase + e * cap, sc, 0, n);
                    double max = sc[p];
                    for (int s = 0; s < p; s++) {
                        if (!realKey[s]) sc[s] = Double.NEGATIVE_INFINITY;
                        else if (sc[s] > max) max = sc[s];
                    }
                    double sum = 0;
                    for (int s = 0; s < n; s++) {
                        double e = Math.exp(sc[s] - max); // exactly 0 for a hidden key
                        sc[s] = e;
                        sum += e;
                    }
                    int yo = (i * t + j) * d + hh * hs;
                    java.util.Arrays.fill(y, yo, yo + hs, 0.0);
                    double inv = 1.0 / sum;
                    for (int s = 0; s < n; s++) if (sc[s] != 0) axpy(sc[s] * inv, vv, vBase + s * hs, y, yo, hs);
                }
            }
        }
    }

    /**
     * The same attention for a wide step (prefill, scoring): per row and head, scores = Q·Kᵀ and Y = P·V as two gemm
     * calls on native buffers; masking and softmax in Java. kt and vv hold this step's keys already.
     */
    private void attendByGemm(Cache cache, Workspace ws, int start, double[] kt, double[] vv) {
        int t = ws.t, end = start + t, d3 = 3 * d, cap = cache.capacity;
        double scale = 1.0 / Math.sqrt(hs);
        if (ws.attnEnd != end) {
            for (INDArray arr : new INDArray[] {ws.qBuf, ws.ktBuf, ws.sBuf, ws.vBuf, ws.yBuf}) if (arr != null) arr.close();
            ws.qBuf = HostArrays.create(dt, t, hs);
            ws.ktBuf = HostArrays.create(dt, hs, end);
            ws.sBuf = HostArrays.create(dt, t, end);
            ws.vBuf = HostArrays.create(dt, end, hs);
            ws.yBuf = HostArrays.create(dt, t, hs);
            ws.attnEnd = end;
            ws.q = new double[t * hs];
            ws.kt = new double[hs * end];
            ws.p = new double[t * end];
            ws.yh = new double[t * hs];
        }
        double[] q = ws.q, k = ws.kt, pm = ws.p, yh = ws.yh, y = ws.y, qkv = ws.qkv;
        for (int i = 0; i < cache.rows; i++) {
            boolean[] realKey = cache.realKey[i];
            for (int hh = 0; hh < h; hh++) {
                for (int j = 0; j < t; j++) {
                    int qo = (i * t + j) * d3 + hh * hs;
                    for (int e = 0; e < hs; e++) q[j * hs + e] = qkv[qo + e] * scale;
                }
                int kBase = (i * h + hh) * hs * cap;
                for (int e = 0; e < hs; e++) System.arraycopy(kt, kBase + e * cap, k, e * end, end);
                HostArrays.write(ws.qBuf, q, 0, t * hs);
                HostArrays.write(ws.ktBuf, k, 0, hs * end);
                HostArrays.write(ws.vBuf, vv, (i * h + hh) * cap * hs, end * hs);
                Nd4j.gemm(ws.qBuf, ws.ktBuf, ws.sBuf, false, false, 1.0, 0.0);
                HostArrays.read(ws.sBuf, 0, pm, 0, t * end);
                for (int j = 0; j < t; j++) {
                    int p = start + j, o = j * end;
                    double max = pm[o + p];
                    for (int s = 0; s < p; s++) {
                        if (!realKey[s]) pm[o + s] = Double.NEGATIVE_INFINITY;
                        else if (pm[o + s] > max) max = pm[o + s];
                    }
                    double sum = 0;
                    for (int s = 0; s <= p; s++) {
                        double e = Math.exp(pm[o + s] - max);
                        pm[o + s] = e;
                        sum += e;
                    }
                    double inv = 1.0 / sum;
                    for (int s = 0; s <= p; s++) pm[o + s] *= inv;
                    java.util.Arrays.fill(pm, o + p + 1, o + end, 0.0); // later keys: causal mask
                }
                HostArrays.write(ws.sBuf, pm, 0, t * end);
                Nd4j.gemm(ws.sBuf, ws.vBuf, ws.yBuf, false, false, 1.0, 0.0);
                HostArrays.read(ws.yBuf, 0, yh, 0, t * hs);
                for (int j = 0; j < t; j++) System.arraycopy(yh, j * hs, y, (i * t + j) * d + hh * hs, hs);
            }
        }
    }

    /** y[yo..yo+n) += a · x[xo..xo+n): a small method the JIT compiles (and vectorises) on its own. */
    private static void axpy(double a, double[] x, int xo, double[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /** GELU in place on ws.m: the tanh form in Java; the exact form through ND4J's erf (Java has none). */
    private void gelu(Workspace ws, int count) {
        double[] m = ws.m;
        if (GptConfig.GELU_EXACT.equals(c.activation())) {
            if (ws.erfArg == null) ws.erfArg = new double[m.length];
            double[] u = ws.erfArg;
            for (int i = 0; i < count; i++) u[i] = m[i] * INV_SQRT_2;
            HostArrays.write(ws.out4D, u, 0, count);
            Nd4j.exec(new Erf(ws.out4D, ws.out4D));
            HostArrays.read(ws.out4D, 0, u, 0, count);
            for (int i = 0; i < count; i++) m[i] = m[i] * 0.5 * (u[i] + 1.0);
            return;
        }
        for (int i = 0; i < count; i++) {
            double x = m[i];
            double inner = (x * x * x * 0.044715 + x) * SQRT_2_OVER_PI;
            m[i] = x * 0.5 * (tanh(inner) + 1.0);
        }
    }

    /** tanh through one exp (Math.tanh is not an intrinsic): 1 − 2/(e^{2u} + 1); absolute error ~1e-16. */
    private static double tanh(double u) {
        return 1.0 - 2.0 / (Math.exp(2.0 * u) + 1.0);
    }

    private static void addInto(double[] acc, double[] v, int n) {
        for (int i = 0; i < n; i++) acc[i] += v[i];
    }
}
