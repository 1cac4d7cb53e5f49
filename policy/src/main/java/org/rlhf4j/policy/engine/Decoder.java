package org.rlhf4j.policy.engine;

import static org.rlhf4j.policy.model.GptWeights.*;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;

/**
 * The GPT forward pass without gradients, with a key/value cache, on the training engine's kernel set
 * ({@link KernelSet}) and buffers ({@link Buf}): each {@link #advance} appends {@code t} positions to every row and
 * attends over everything cached so far. Generation is one wide step over the left-padded prompts (prefill), then one
 * step of width 1 per new token. It reads the policy's flat parameter buffer in place, so a trainer's update is seen
 * by the next step, and it computes in the weights' own precision (float32 in runs, float64 in tests).
 *
 * <p>Memory: the cache holds keys and values of every layer, [L, B, capacity, d] each; the working buffers of one step
 * ([B·t, 4d] at most) are carved once per step width from one arena and reused by every decoding step, so decoding
 * allocates nothing. Which keys a query sees: query (row i, position p) sees key s ≤ p when s == p or key s is real;
 * padding keys are hidden from every later query, so left-padded prompts give the logits of unpadded ones.
 */
public final class Decoder implements AutoCloseable {
    private final GptConfig c;
    private final Buf w;
    private final Offsets off;
    private final boolean tanhGelu;
    private final KernelSet k;
    private final int rows, capacity, d, heads, hs;
    /** Keys then values of every layer: layer l's keys at {@code l·2·B·cap·d}, its values {@code B·cap·d} later. */
    private final Buf cache;
    /** (B, capacity): whether the key at each position is a real token. */
    private final boolean[][] realKey;
    private int length;

    // the arena of the current step width
    private Buf a;
    private int width = -1;
    private int x, ln, hat, rstd, qkv, y, fc, gl, aux, ones, scores, last, lastLn, lastHat, lastRstd, logits;
    private float[][] logitRows;

    public Decoder(GptWeights weights, int rows, int capacity) {
        this(weights, rows, capacity, KernelSet.forBackend());
    }

    /** With a given kernel set (tests run both). */
    Decoder(GptWeights weights, int rows, int capacity, KernelSet kernels) {
        this.k = kernels;
        this.c = weights.config();
        if (rows < 1) throw new IllegalArgumentException("a decoder needs at least one row");
        if (capacity < 1 || capacity > c.contextLength())
            throw new IllegalArgumentException("cache capacity " + capacity + " is outside 1.." + c.contextLength() + " (n_positions)");
        this.w = Buf.of(weights.flat());
        this.off = new Offsets(weights);
        this.tanhGelu = GptConfig.GELU_TANH.equals(c.activation());
        this.rows = rows;
        this.capacity = capacity;
        this.d = c.dModel();
        this.heads = c.nHead();
        this.hs = c.headSize();
        long cacheElements = 2L * c.nLayer() * rows * capacity * d;
        if (cacheElements > Integer.MAX_VALUE) throw new IllegalArgumentException("a cache of " + rows + " × " + capacity + " exceeds 2^31 elements");
        this.cache = Buf.allocate(w.dataType(), cacheElements);
        this.realKey = new boolean[rows][capacity];
    }

    /** Positions cached so far (every row has the same number). */
    public int length() {
        return length;
    }

    public int rows() {
        return rows;
    }

    private int p(String name) {
        return off.at(name);
    }

    private int p(int layer, String leaf) {
        return off.at(layer, leaf);
    }

    private int keys(int layer, int row) {
        return (layer * 2 * rows + row) * capacity * d;
    }

    private int values(int layer, int row) {
        return keys(layer, row) + rows * capacity * d;
    }

    private void carve(int t) {
        if (t == width) return;
        int n = rows * t, V = c.vocabSize();
        long[] cursor = {0};
        java.util.function.LongUnaryOperator take = size -> {
            long o = cursor[0];
            cursor[0] += size;
            return o;
        };
        long nd = (long) n * d;
        x = (int) take.applyAsLong(nd);
        ln = (int) take.applyAsLong(nd);
        hat = (int) take.applyAsLong(nd);
        rstd = (int) take.applyAsLong(n);
        qkv = (int) take.applyAsLong(3 * nd);
        y = (int) take.applyAsLong(nd);
        fc = (int) take.applyAsLong(4 * nd);
        gl = (int) take.applyAsLong(4 * nd);
        aux = (int) take.applyAsLong(4 * nd);
        ones = (int) take.applyAsLong(n);
        scores = (int) take.applyAsLong((long) t * capacity);
        last = (int) take.applyAsLong((long) rows * d);
        lastLn = (int) take.applyAsLong((long) rows * d);
        lastHat = (int) take.applyAsLong((long) rows * d);
        lastRstd = (int) take.applyAsLong(rows);
        logits = (int) take.applyAsLong((long) rows * V);
        if (cursor[0] > Integer.MAX_VALUE) throw new IllegalArgumentException("a step of " + rows + " × " + t + " exceeds 2^31 elements");
        if (a == null || a.length < cursor[0]) a = Buf.allocate(w.dataType(), cursor[0]);
        k.fill(a, ones, n, 1);
        width = t;
    }

    /**
     * Appends {@code t} positions per row.
     *
     * @param tokens    (B, t) token ids; a padding slot may hold any valid id
     * @param positions (B, t) position ids
     * @param real      (B, t) false for padding: no later query attends to that key
     */
    public void advance(int[][] tokens, int[][] positions, boolean[][] real) {
        int t = tokens.length == 0 ? 0 : tokens[0].length, start = length, end = start + t, V = c.vocabSize(), ctx = c.contextLength();
        if (tokens.length != rows || positions.length != rows || real.length != rows) throw new IllegalArgumentException("expected " + rows + " rows");
        if (t < 1) throw new IllegalArgumentException("a step needs at least one position");
        if (end > capacity) throw new IllegalArgumentException("cache full: " + end + " > " + capacity);
        int n = rows * t;
        int[] ids = new int[n], pos = new int[n];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < t; j++) {
                int tok = tokens[i][j], ps = positions[i][j];
                if (tok < 0 || tok >= V) throw new IllegalArgumentException("token id " + tok + " (row " + i + ", slot " + j + ") is outside 0.." + (V - 1));
                if (ps < 0 || ps >= ctx) throw new IllegalArgumentException("position " + ps + " (row " + i + ", slot " + j + ") is outside 0.." + (ctx - 1));
                ids[i * t + j] = tok;
                pos[i * t + j] = ps;
                realKey[i][start + j] = real[i][j];
            }
        carve(t);
        double eps = c.layerNormEpsilon();
        k.embedForward(w, p(WTE), p(WPE), ids, pos, d, a, x);
        for (int l = 0; l < c.nLayer(); l++) {
            k.layerNormForward(a, x, w, p(l, LN1_W), p(l, LN1_B), n, d, eps, a, ln, a, hat, a, rstd);
            k.linearForward(a, ln, w, p(l, ATTN_W), p(l, ATTN_B), n, d, 3 * d, a, qkv, false, a, ones);
            attend(l, t, start);
            k.linearForward(a, y, w, p(l, PROJ_W), p(l, PROJ_B), n, d, d, a, x, true, a, ones);          // x += proj(y)
            k.layerNormForward(a, x, w, p(l, LN2_W), p(l, LN2_B), n, d, eps, a, ln, a, hat, a, rstd);
            k.linearForward(a, ln, w, p(l, FC_W), p(l, FC_B), n, d, 4 * d, a, fc, false, a, ones);
            k.geluForward(a, fc, a, gl, a, aux, n * 4 * d, tanhGelu);
            k.linearForward(a, gl, w, p(l, FC2_W), p(l, FC2_B), n, 4 * d, d, a, x, true, a, ones);      // x += mlp
        }
        length = end;
    }

    /** This step's keys and values into the cache, then attention of its queries over the cache in place. */
    private void attend(int l, int t, int start) {
        int ld = 3 * d;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < t; j++) {
                int src = qkv + (i * t + j) * ld;
                k.copy(a, src + d, cache, keys(l, i) + (start + j) * d, d);
                k.copy(a, src + 2 * d, cache, values(l, i) + (start + j) * d, d);
            }
        k.cachedAttention(a, qkv, rows, t, start, heads, d, cache, keys(l, 0), values(l, 0), capacity * d, realKey, a, scores, a, y);
    }

    /**
     * LM-head logits at each row's last position of the latest step, (B, V) in float32: the final LayerNorm on those B
     * rows and one gemm. The rows are reused by the next call: copy what must outlive it.
     */
    public float[][] lastLogits() {
        if (width < 0) throw new IllegalStateException("no step has run on this decoder");
        int V = c.vocabSize(), t = width;
        for (int i = 0; i < rows; i++) k.copy(a, x + (i * t + t - 1) * d, a, last + i * d, d);
        k.layerNormForward(a, last, w, p(LN_F_W), p(LN_F_B), rows, d, c.layerNormEpsilon(), a, lastLn, a, lastHat, a, lastRstd);
        k.gemm(false, true, rows, V, d, 1, a, lastLn, d, w, p(WTE), d, 0, a, logits, V);
        if (logitRows == null) logitRows = new float[rows][V];
        for (int i = 0; i < rows; i++) k.read(a, logits + i * V, logitRows[i]);
        return logitRows;
    }

    /** LM-head logits at every slot of the latest step, (B·t, V), in a new array (tests, full-sequence logits). */
    public INDArray logits() {
        if (width < 0) throw new IllegalStateException("no step has run on this decoder");
        int n = rows * width, V = c.vocabSize();
        Buf hidden = Buf.allocate(w.dataType(), (long) n * d), h2 = Buf.allocate(w.dataType(), (long) n * d), rs = Buf.allocate(w.dataType(), n);
        k.layerNormForward(a, x, w, p(LN_F_W), p(LN_F_B), n, d, c.layerNormEpsilon(), hidden, 0, h2, 0, rs, 0);
        Buf out = Buf.allocate(w.dataType(), (long) n * V);
        k.gemm(false, true, n, V, d, 1, hidden, 0, d, w, p(WTE), d, 0, out, 0, V);
        hidden.array.close();
        h2.array.close();
        rs.array.close();
        return out.array.reshape('c', n, V);
    }

    /** Frees the cache and the working buffers now rather than when the garbage collector gets to them. */
    @Override
    public void close() {
        cache.array.close();
        if (a != null) a.array.close();
        a = null;
        width = -1;
    }
}
