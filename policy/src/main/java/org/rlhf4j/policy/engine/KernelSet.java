package org.rlhf4j.policy.engine;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Every computation the training engine ({@link GptEngine}) performs on its buffers, forward and hand-derived backward.
 * Operands are {@link Buf}s addressed by offset; an [n, d] operand at {@code o} is row-major, row r at
 * {@code o + r·d}. Backward kernels <em>add</em> into parameter gradients (so micro-batches accumulate); each says
 * whether it adds into or overwrites its input gradient.
 *
 * <p>Two implementations, held equal by KernelSetTest and each held to finite differences:
 * <ul>
 *   <li>{@link CpuKernels}: Java loops over native memory plus OpenBLAS gemm called directly (the fast path on a
 *       CPU);</li>
 *   <li>{@link Nd4jKernels}: ND4J ops only, on views of the same buffers, so it runs on any ND4J backend, including
 *       nd4j-cuda, where the CPU set's Java loops and host BLAS cannot reach device memory.</li>
 * </ul>
 * {@link #forBackend()} picks one; the system property {@code rlhf4j.kernels} ({@code cpu} or {@code nd4j}) overrides.
 */
public interface KernelSet {
    /** The kernel set for the ND4J backend in use: {@link CpuKernels} on the CPU backend, {@link Nd4jKernels} elsewhere. */
    static KernelSet forBackend() {
        String forced = System.getProperty("rlhf4j.kernels", "");
        if (forced.equals("cpu")) return CpuKernels.INSTANCE;
        if (forced.equals("nd4j")) return Nd4jKernels.INSTANCE;
        if (!forced.isEmpty()) throw new IllegalArgumentException("rlhf4j.kernels must be cpu or nd4j, not " + forced);
        return Buf.HOST_MEMORY ? CpuKernels.INSTANCE : Nd4jKernels.INSTANCE;
    }

    /** A short name for logs and summaries. */
    String name();

    // ---- memory ----

    /** b[off .. off + n) = v. */
    void fill(Buf b, int off, int n, double v);

    /** y[yo .. yo + n) = x[xo .. xo + n). */
    void copy(Buf x, int xo, Buf y, int yo, int n);

    /** dst row r = src row rows[from + r], for r &lt; m ([·, d] rows). */
    void gatherRows(Buf src, int so, int[] rows, int from, int m, int d, Buf dst, int dOff);

    /** dst row rows[from + r] += src row r, for r &lt; m. */
    void scatterAddRows(Buf src, int so, int[] rows, int from, int m, int d, Buf dst, int dOff);

    /** C = α·op(A)·op(B) + β·C on row-major sub-matrices with leading dimensions (see {@link Blas#gemm}). */
    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buf a, int offA, int lda,
              Buf b, int offB, int ldb, double beta, Buf c, int offC, int ldc);

    // ---- embeddings: x = wte[id] + wpe[pos] ----

    void embedForward(Buf w, int wte, int wpe, int[] ids, int[] pos, int d, Buf x, int xo);

    /** Scatter-add of the rows of dx into the rows of the two tables that produced them. */
    void embedBackward(Buf dx, int dxo, int[] ids, int[] pos, int d, Buf g, int wte, int wpe);

    // ---- LayerNorm over the last axis, with ε inside the square root ----

    /** out = x̂·γ + β with x̂ = (x − μ)/√(σ² + ε); keeps x̂ and 1/√(σ² + ε) for the backward. */
    void layerNormForward(Buf x, int xo, Buf w, int gain, int bias, int n, int d, double eps,
                          Buf out, int oo, Buf hat, int ho, Buf rstd, int ro);

    /** dx += (1/√(σ²+ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dout·γ; dγ += Σ dout·x̂, dβ += Σ dout. */
    void layerNormBackward(Buf dout, int doo, Buf hat, int ho, Buf rstd, int ro, Buf w, int gain,
                           int n, int d, Buf dx, int dxo, Buf g, int dGain, int dBias);

    // ---- GELU, both forms ----

    /** out = gelu(h); keeps tanh(·) (tanh form) or erf(h/√2) (exact form) in {@code aux} for the backward. */
    void geluForward(Buf h, int ho, Buf out, int oo, Buf aux, int xo, int n, boolean tanhForm);

    /** dh = dout · gelu'(h), in place in {@code d} (dout in, dh out). */
    void geluBackward(Buf h, int ho, Buf aux, int xo, Buf d, int dOff, int n, boolean tanhForm);

    // ---- linear layers: out = x·W + b, W stored [in, out] ----

    /** out = x·W + b, or out += x·W + b when {@code accumulate}; {@code ones} holds at least n ones. */
    void linearForward(Buf x, int xo, Buf w, int wo, int bo, int n, int in, int out, Buf y, int yo, boolean accumulate,
                       Buf ones, int onesOff);

    /** dW += xᵀ·dy, db += column sums of dy, and dx = dy·Wᵀ (overwritten) unless {@code dx} is null. */
    void linearBackward(Buf x, int xo, Buf dy, int dyo, Buf w, int wo, int n, int in, int out,
                        Buf g, int dW, int dB, Buf dx, int dxo, Buf ones, int onesOff);

    // ---- causal multi-head attention over a fused [B·T, 3d] q|k|v projection ----

    /**
     * y[b, t, head] = Σ_s P[t, s]·v_s with P = softmax over s ∈ [start_t, t] of q_t·k_s/√hs (0 elsewhere); P is kept,
     * [B, H, T, T].
     *
     * @param start per (b, t): the first key position query t may see (its segment's first token; t for padding)
     */
    void attentionForward(Buf qkv, int qo, int[] start, int rows, int len, int heads, int d, Buf att, int ao, Buf y, int yo);

    /** Given dy ([B·T, d]), writes dqkv ([B·T, 3d], overwritten); {@code scratch} holds [T, T]. */
    void attentionBackward(Buf qkv, int qo, Buf att, int ao, Buf dy, int dyo, int[] start, int rows, int len,
                           int heads, int d, Buf dqkv, int dqo, Buf scratch, int so);

    /**
     * Decoding attention over a key/value cache: t new queries per row (positions start .. start+t−1, read from qkv
     * with row stride 3d) attend over cached keys 0 .. start+t−1 of their row; query at position p sees key s ≤ p when
     * s == p or {@code realKey[row][s]}. Row r's keys are [capacity, d] at {@code keys + r·rowStride}, its values at
     * {@code values + r·rowStride}; a head's columns are h·hs .. h·hs + hs − 1. {@code scores} holds [t, start + t].
     */
    void cachedAttention(Buf qkv, int qo, int rows, int t, int start, int heads, int d, Buf cache, int keys, int values,
                         int rowStride, boolean[][] realKey, Buf scores, int so, Buf y, int yo);

    /** dst[k] = b[off + k], rounded to float32 (results that leave the engine, e.g. logits for sampling). */
    void read(Buf b, int off, float[] dst);

    // ---- the LM head's softmax and the scalar heads ----

    /**
     * For m rows of V logits z at {@code off}: replaces them by p = softmax(z / T) in place and writes, per row,
     * lse = log Σ exp(z/T), the target's log-probability z_target/T − lse, and (when {@code entropy} is not null) the
     * entropy lse − Σ p·z/T.
     */
    void logSoftmaxRows(Buf a, int off, int m, int V, double temperature, int[] targetIds, double[] lse, double[] logprob, double[] entropy);

    /** Recomputes p = exp(z/T − lse) in place from the logits (the backward of a batch whose probabilities were not kept). */
    void probabilities(Buf a, int off, int m, int V, double temperature, double[] lse, int lseFrom);

    /**
     * Turns the probabilities of m rows into d(loss)/d(logits) in place: dz = (dlp·(onehot(target) − p) −
     * dH·p·(log p + H)) / T, where dlp, dH and H are per row (dH and H may be null).
     */
    void logitGrad(Buf a, int off, int m, int V, double temperature, int[] targetIds, double[] dlp, double[] dent, double[] entropy);

    /** out[i] = hidden[slots[i]]·w + b for a scalar head (w at {@code hw}, its bias at {@code hb}). */
    void headForward(Buf hidden, int ho, int d, Buf w, int hw, int hb, int[] slots, double[] out);

    /** For every slot n with dv[n] ≠ 0: dw += dv[n]·hidden[n], db += dv[n], dhidden[n] += dv[n]·w. */
    void headBackward(Buf hidden, int ho, int d, Buf w, int hw, int hb, double[] dv, Buf g, int gw, int gb, Buf dh, int dho);

    /** The class name of the ND4J backend in use (for logs). */
    static String backendName() {
        return Nd4j.getBackend().getClass().getSimpleName();
    }
}
