package org.rlhf4j.policy.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.rlhf4j.policy.model.GptWeights.*;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The GPT forward pass without gradients, on plain ND4J arrays, with a key/value cache: each call appends {@code t}
 * new positions per row and attends over everything cached so far. Full-sequence scoring is one call with an empty
 * cache; decoding is one call per token with {@code t = 1}. Computes exactly the function of {@link GptGraph}
 * (same weights, same LayerNorm and GELU forms), which a test checks.
 */
public final class KvForward {
    /** Additive bias that hides a key; finite so that a row with every key hidden (a padding query) stays finite. */
    public static final float MASKED = -1e9f;

    private final GptWeights w;
    private final GptConfig c;

    public KvForward(GptWeights weights) {
        this.w = weights;
        this.c = weights.config();
    }

    /** Keys and values of every block for B rows and up to {@code capacity} positions, plus which keys are real. */
    public final class Cache implements AutoCloseable {
        final INDArray[] keys, values; // per block: (B, H, capacity, hs)
        final float[][] keyBias;       // (B, capacity): 0 for a real token, MASKED for padding
        final int rows, capacity;
        int length;

        Cache(int rows, int capacity) {
            this.rows = rows;
            this.capacity = capacity;
            keys = new INDArray[c.nLayer()];
            values = new INDArray[c.nLayer()];
            DataType dt = w.dataType();
            for (int l = 0; l < c.nLayer(); l++) {
                keys[l] = Nd4j.zeros(dt, rows, c.nHead(), capacity, c.headSize());
                values[l] = Nd4j.zeros(dt, rows, c.nHead(), capacity, c.headSize());
            }
            keyBias = new float[rows][capacity];
        }

        public int length() {
            return length;
        }

        @Override
        public void close() {
            for (int l = 0; l < keys.length; l++) {
                keys[l].close();
                values[l].close();
            }
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
        int b = cache.rows, t = tokens[0].length, start = cache.length, end = start + t;
        if (tokens.length != b) throw new IllegalArgumentException("expected " + b + " rows, got " + tokens.length);
        if (end > cache.capacity) throw new IllegalArgumentException("cache full: " + end + " > " + cache.capacity);
        int d = c.dModel(), h = c.nHead(), hs = c.headSize();
        int[] flatTok = new int[b * t], flatPos = new int[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                flatTok[i * t + j] = tokens[i][j];
                flatPos[i * t + j] = positions[i][j];
                cache.keyBias[i][start + j] = real[i][j] ? 0f : MASKED;
            }
        }
        INDArray x = Nd4j.pullRows(w.get(WTE), 1, flatTok).addi(Nd4j.pullRows(w.get(WPE), 1, flatPos)); // (B·t, d)

        // (B, 1, t, end): causal within the step, padding keys hidden (each query always sees itself, so no row is all-masked)
        float[] biasData = new float[b * t * end];
        for (int i = 0; i < b; i++)
            for (int q = 0; q < t; q++)
                for (int s = 0; s < end; s++)
                    biasData[(i * t + q) * end + s] = s > start + q ? MASKED : s == start + q ? 0f : cache.keyBias[i][s];
        INDArray bias = Nd4j.create(biasData, new long[] {b, 1, t, end}, 'c').castTo(w.dataType());

        double scale = 1.0 / Math.sqrt(hs);
        for (int l = 0; l < c.nLayer(); l++) {
            INDArray a = layerNorm(x, w.get(block(l, LN1_W)), w.get(block(l, LN1_B)));
            INDArray qkv = a.mmul(w.get(block(l, ATTN_W))).addiRowVector(w.get(block(l, ATTN_B)));        // (B·t, 3d)
            INDArray heads = qkv.reshape('c', b, t, 3, h, hs).permute(2, 0, 3, 1, 4);                    // (3, B, H, t, hs)
            INDArray q = heads.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).dup('c');
            cache.keys[l].get(all(), all(), interval(start, end), all()).assign(heads.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)));
            cache.values[l].get(all(), all(), interval(start, end), all()).assign(heads.get(org.nd4j.linalg.indexing.NDArrayIndex.point(2)));
            INDArray k = cache.keys[l].get(all(), all(), interval(0, end), all());                       // (B, H, end, hs)
            INDArray v = cache.values[l].get(all(), all(), interval(0, end), all());
            INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(scale).addi(bias.broadcast(b, h, t, end)); // (B, H, t, end)
            INDArray att = Nd4j.exec(new SoftMax(scores, scores, -1))[0];
            INDArray y = Nd4j.matmul(att, v);                                                            // (B, H, t, hs)
            y = y.permute(0, 2, 1, 3).dup('c').reshape('c', (long) b * t, d);
            x.addi(y.mmul(w.get(block(l, PROJ_W))).addiRowVector(w.get(block(l, PROJ_B))));
            INDArray m = layerNorm(x, w.get(block(l, LN2_W)), w.get(block(l, LN2_B)));
            m = gelu(m.mmul(w.get(block(l, FC_W))).addiRowVector(w.get(block(l, FC_B))));
            x.addi(m.mmul(w.get(block(l, FC2_W))).addiRowVector(w.get(block(l, FC2_B))));
        }
        cache.length = end;
        return layerNorm(x, w.get(LN_F_W), w.get(LN_F_B));
    }

    /** LM-head logits for hidden states: hidden · wteᵀ, (N, V). */
    public INDArray logits(INDArray hidden) {
        return hidden.mmul(w.get(WTE).transpose());
    }

    /** Scalar head output for hidden states, (N). */
    public INDArray head(INDArray hidden, Head head) {
        return hidden.mmul(w.get(head.weight)).addi(w.get(head.bias).getDouble(0)).reshape(-1);
    }

    private INDArray layerNorm(INDArray x, INDArray gain, INDArray bias) {
        INDArray centred = x.subColumnVector(x.mean(true, 1));
        INDArray variance = centred.mul(centred).mean(true, 1);
        INDArray inv = Transforms.pow(variance.addi(c.layerNormEpsilon()), -0.5, false);
        return centred.muliColumnVector(inv).muliRowVector(gain).addiRowVector(bias);
    }

    private INDArray gelu(INDArray x) {
        if (GptConfig.GELU_EXACT.equals(c.activation())) {
            return x.mul(0.5).muli(Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Erf(x.mul(1.0 / Math.sqrt(2.0)))).addi(1.0));
        }
        INDArray inner = x.mul(x).muli(x).muli(0.044715).addi(x).muli(Math.sqrt(2.0 / Math.PI));
        return x.mul(0.5).muli(Transforms.tanh(inner, false).addi(1.0));
    }
}
