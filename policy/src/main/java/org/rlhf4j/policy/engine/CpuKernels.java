package org.rlhf4j.policy.engine;

import org.apache.commons.math3.special.Erf;

/**
 * The CPU kernel set ({@link KernelSet} documents each kernel): Java loops over native memory, read and written by
 * index through {@link Buf}, and OpenBLAS gemm called directly ({@link Blas}). Each kernel has a finite-difference
 * test in float64 and is held equal to {@link Nd4jKernels} (KernelSetTest).
 */
public final class CpuKernels implements KernelSet {
    public static final CpuKernels INSTANCE = new CpuKernels();

    private CpuKernels() {}

    @Override
    public String name() {
        return "cpu";
    }

    // ---- memory ----

    @Override
    public void fill(Buf b, int off, int n, double v) {
        for (int i = off; i < off + n; i++) b.set(i, v);
    }

    @Override
    public void copy(Buf x, int xo, Buf y, int yo, int n) {
        Blas.copy(n, x, xo, y, yo);
    }

    @Override
    public void gatherRows(Buf src, int so, int[] rows, int from, int m, int d, Buf dst, int dOff) {
        for (int r = 0; r < m; r++) Blas.copy(d, src, so + (long) rows[from + r] * d, dst, dOff + (long) r * d);
    }

    @Override
    public void scatterAddRows(Buf src, int so, int[] rows, int from, int m, int d, Buf dst, int dOff) {
        for (int r = 0; r < m; r++) {
            int to = dOff + rows[from + r] * d, at = so + r * d;
            for (int j = 0; j < d; j++) dst.add(to + j, src.get(at + j));
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buf a, int offA, int lda,
                     Buf b, int offB, int ldb, double beta, Buf c, int offC, int ldc) {
        Blas.gemm(transA, transB, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    @Override
    public void cachedAttention(Buf qkv, int qo, int rows, int t, int start, int heads, int d, Buf cache, int keys, int values,
                                int rowStride, boolean[][] realKey, Buf a, int scores, Buf y, int yo) {
        int end = start + t, ld = 3 * d, hs = d / heads;
        double scale = 1.0 / Math.sqrt(hs);
        for (int i = 0; i < rows; i++) {
            boolean[] real = realKey[i];
            for (int h = 0; h < heads; h++) {
                int q = qo + i * t * ld + h * hs;
                Blas.gemm(false, true, t, end, hs, scale, qkv, q, ld, cache, keys + i * rowStride + h * hs, d, 0, a, scores, end);
                for (int j = 0; j < t; j++) {
                    int row = scores + j * end, ps = start + j;
                    double max = a.get(row + ps);
                    for (int s = 0; s < ps; s++) if (real[s]) max = Math.max(max, a.get(row + s));
                    double sum = 0;
                    for (int s = 0; s <= ps; s++) {
                        double e = s == ps || real[s] ? a.exp(a.get(row + s) - max) : 0;
                        a.set(row + s, e);
                        sum += e;
                    }
                    double inv = 1.0 / sum;
                    for (int s = 0; s <= ps; s++) a.set(row + s, a.get(row + s) * inv);
                    for (int s = ps + 1; s < end; s++) a.set(row + s, 0);
                }
                Blas.gemm(false, false, t, hs, end, 1, a, scores, end, cache, values + i * rowStride + h * hs, d, 0, y, yo + i * t * d + h * hs, d);
            }
        }
    }

    @Override
    public void read(Buf b, int off, float[] dst) {
        b.read(off, dst);
    }

    // ---- the LM head's softmax and the scalar heads ----

    /** One pass of exp per logit: the logits become probabilities in place (what the backward needs). */
    @Override
    public void logSoftmaxRows(Buf a, int off, int m, int V, double temperature, int[] targetIds, double[] lse, double[] logprob, double[] entropy) {
        for (int r = 0; r < m; r++) {
            int row = off + r * V;
            double inv = 1.0 / temperature, max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < V; v++) max = Math.max(max, a.get(row + v) * inv);
            double target = a.get(row + targetIds[r]) * inv, sum = 0, sumEz = 0;
            for (int v = 0; v < V; v++) {
                double z = a.get(row + v) * inv, e = a.exp(z - max);
                a.set(row + v, e);
                sum += e;
                sumEz += e * z;
            }
            double z = max + Math.log(sum), invSum = 1.0 / sum;
            for (int v = 0; v < V; v++) a.set(row + v, a.get(row + v) * invSum);
            lse[r] = z;
            logprob[r] = target - z;
            if (entropy != null) entropy[r] = z - sumEz * invSum;                 // H = lse − E_p[z]
        }
    }

    @Override
    public void probabilities(Buf a, int off, int m, int V, double temperature, double[] lse, int lseFrom) {
        double inv = 1.0 / temperature;
        for (int r = 0; r < m; r++)
            for (int v = 0, row = off + r * V; v < V; v++) a.set(row + v, a.exp(a.get(row + v) * inv - lse[lseFrom + r]));
    }

    @Override
    public void logitGrad(Buf a, int off, int m, int V, double temperature, int[] targetIds, double[] dlp, double[] dent, double[] entropy) {
        double inv = 1.0 / temperature;
        for (int r = 0; r < m; r++) {
            int row = off + r * V;
            double dl = dlp[r], de = dent == null ? 0 : dent[r], h = entropy == null ? 0 : entropy[r];
            for (int v = 0; v < V; v++) {
                double pv = a.get(row + v);
                double dz = -dl * pv;
                if (de != 0 && pv > 0) dz -= de * pv * (Math.log(pv) + h);
                a.set(row + v, dz * inv);
            }
            a.add(row + targetIds[r], dl * inv);
        }
    }

    @Override
    public void headForward(Buf hidden, int ho, int d, Buf w, int hw, int hb, int[] slots, double[] out) {
        for (int i = 0; i < slots.length; i++) {
            double s = w.get(hb);
            for (int j = 0; j < d; j++) s += hidden.get(ho + slots[i] * d + j) * w.get(hw + j);
            out[i] = s;
        }
    }

    @Override
    public void headBackward(Buf hidden, int ho, int d, Buf w, int hw, int hb, double[] dv, Buf g, int gw, int gb, Buf dh, int dho) {
        for (int n = 0; n < dv.length; n++) {
            double gv = dv[n];
            if (gv == 0) continue;
            g.add(gb, gv);
            for (int j = 0; j < d; j++) {
                g.add(gw + j, gv * hidden.get(ho + n * d + j));
                dh.add(dho + n * d + j, gv * w.get(hw + j));
            }
        }
    }

    // ---- embeddings: x = wte[id] + wpe[pos] ----

    @Override
    public void embedForward(Buf w, int wte, int wpe, int[] ids, int[] pos, int d, Buf x, int xo) {
        for (int n = 0; n < ids.length; n++) {
            int t = wte + ids[n] * d, p = wpe + pos[n] * d, o = xo + n * d;
            for (int j = 0; j < d; j++) x.set(o + j, w.get(t + j) + w.get(p + j));
        }
    }

    /** Scatter-add of the rows of dx into the rows of the two tables that produced them (a plain loop: no races). */
    @Override
    public void embedBackward(Buf dx, int dxo, int[] ids, int[] pos, int d, Buf g, int wte, int wpe) {
        for (int n = 0; n < ids.length; n++) {
            int t = wte + ids[n] * d, p = wpe + pos[n] * d, o = dxo + n * d;
            for (int j = 0; j < d; j++) {
                double v = dx.get(o + j);
                g.add(t + j, v);
                g.add(p + j, v);
            }
        }
    }

    // ---- LayerNorm over the last axis, with ε inside the square root ----

    /** out = x̂·γ + β with x̂ = (x − μ)/√(σ² + ε); keeps x̂ and 1/√(σ² + ε) for the backward. */
    @Override
    public void layerNormForward(Buf x, int xo, Buf w, int gain, int bias, int n, int d, double eps,
                                        Buf out, int oo, Buf hat, int ho, Buf rstd, int ro) {
        for (int r = 0; r < n; r++) {
            int xi = xo + r * d;
            double mean = 0;
            for (int j = 0; j < d; j++) mean += x.get(xi + j);
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) {
                double c = x.get(xi + j) - mean;
                var += c * c;
            }
            double rs = 1.0 / Math.sqrt(var / d + eps);
            rstd.set(ro + r, rs);
            for (int j = 0; j < d; j++) {
                double h = (x.get(xi + j) - mean) * rs;
                hat.set(ho + r * d + j, h);
                out.set(oo + r * d + j, h * w.get(gain + j) + w.get(bias + j));
            }
        }
    }

    /**
     * dx += (1/√(σ²+ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dout·γ; dγ += Σ dout·x̂, dβ += Σ dout.
     */
    @Override
    public void layerNormBackward(Buf dout, int doo, Buf hat, int ho, Buf rstd, int ro, Buf w, int gain,
                                         int n, int d, Buf dx, int dxo, Buf g, int dGain, int dBias) {
        for (int r = 0; r < n; r++) {
            int di = doo + r * d, hi = ho + r * d;
            double meanD = 0, meanDH = 0;
            for (int j = 0; j < d; j++) {
                double dh = dout.get(di + j) * w.get(gain + j);
                meanD += dh;
                meanDH += dh * hat.get(hi + j);
            }
            meanD /= d;
            meanDH /= d;
            double rs = rstd.get(ro + r);
            for (int j = 0; j < d; j++) {
                double dv = dout.get(di + j), h = hat.get(hi + j);
                g.add(dGain + j, dv * h);
                g.add(dBias + j, dv);
                dx.add(dxo + r * d + j, rs * (dv * w.get(gain + j) - meanD - h * meanDH));
            }
        }
    }

    // ---- GELU, both forms ----

    static final double C = Math.sqrt(2.0 / Math.PI), A = 0.044715, INV_SQRT2 = 1.0 / Math.sqrt(2.0),
            INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /**
     * out = gelu(h), tanh form 0.5·h·(1 + tanh(√(2/π)(h + 0.044715h³))) or exact 0.5·h·(1 + erf(h/√2)); keeps in
     * {@code aux} what the backward needs besides h: tanh(·) for the tanh form, erf(h/√2) for the exact one. tanh is
     * computed as 1 − 2/(e^{2u} + 1) (Math.tanh is no JIT intrinsic; measured 45 ns against 13 ns for Math.exp), whose
     * error stays at rounding level and which gives exactly ±1 when e^{2u} over- or underflows.
     */
    @Override
    public void geluForward(Buf h, int ho, Buf out, int oo, Buf aux, int xo, int n, boolean tanhForm) {
        for (int i = 0; i < n; i++) {
            double x = h.get(ho + i);
            double s = tanhForm ? 1 - 2 / (h.exp(2 * C * (x + A * x * x * x)) + 1) : Erf.erf(x * INV_SQRT2);
            aux.set(xo + i, s);
            out.set(oo + i, 0.5 * x * (1 + s));
        }
    }


    /** dh = dout · gelu'(h), in place in {@code d} (dout in, dh out), from h and the forward's {@code aux}. */
    @Override
    public void geluBackward(Buf h, int ho, Buf aux, int xo, Buf d, int dOff, int n, boolean tanhForm) {
        for (int i = 0; i < n; i++) {
            double x = h.get(ho + i), s = aux.get(xo + i), grad;
            if (tanhForm) grad = 0.5 * (1 + s) + 0.5 * x * (1 - s * s) * C * (1 + 3 * A * x * x);
            else grad = 0.5 * (1 + s) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
            d.set(dOff + i, d.get(dOff + i) * grad);
        }
    }

    // ---- linear layers: out = x·W + b, with W stored [in, out] ----

    /**
     * out = x·W + b, or out += x·W + b when {@code accumulate} (a residual already in out). The bias is a rank-1
     * product 1·bᵀ with a column of ones ({@code ones}, at least n entries), so BLAS does all of it.
     */
    @Override
    public void linearForward(Buf x, int xo, Buf w, int wo, int bo, int n, int in, int out, Buf y, int yo, boolean accumulate,
                                     Buf ones, int onesOff) {
        Blas.gemm(false, false, n, out, 1, 1, ones, onesOff, 1, w, bo, out, accumulate ? 1 : 0, y, yo, out);
        Blas.gemm(false, false, n, out, in, 1, x, xo, in, w, wo, out, 1, y, yo, out);
    }

    /** dW += xᵀ·dy, db += 1ᵀ·dy (column sums), and dx = dy·Wᵀ (overwritten) unless {@code dx} is null. */
    @Override
    public void linearBackward(Buf x, int xo, Buf dy, int dyo, Buf w, int wo, int n, int in, int out,
                                      Buf g, int dW, int dB, Buf dx, int dxo, Buf ones, int onesOff) {
        Blas.gemm(true, false, in, out, n, 1, x, xo, in, dy, dyo, out, 1, g, dW, out);
        Blas.gemm(true, false, 1, out, n, 1, ones, onesOff, 1, dy, dyo, out, 1, g, dB, out);
        if (dx != null) Blas.gemm(false, true, n, in, out, 1, dy, dyo, out, w, wo, out, 0, dx, dxo, in);
    }

    // ---- causal multi-head attention over a fused [B·T, 3d] q|k|v projection ----

    /**
     * Query rows are taken in blocks of this many: block [q0, q1) needs keys [0, q1) only, so the products skip most of
     * the upper triangle that a causal mask throws away (at T = 128, 25 % of the attention FLOPs).
     */
    static final int QUERY_BLOCK = 64;

    /**
     * y[b, t, head] = Σ_s P[t, s]·v_s with P = softmax over s ∈ [start_t, t] of q_t·k_s/√hs (0 elsewhere). Queries,
     * keys and values are read in place from {@code qkv} (row stride 3d); P is kept, [B, H, T, T].
     *
     * @param start per (b, t): the first key position query t may see (its segment's first token; t for padding)
     */
    @Override
    public void attentionForward(Buf qkv, int qo, int[] start, int rows, int len, int heads, int d,
                                        Buf att, int ao, Buf y, int yo) {
        int hs = d / heads, ld = 3 * d, tt = len * len;
        double scale = 1.0 / Math.sqrt(hs);
        for (int b = 0; b < rows; b++)
            for (int h = 0; h < heads; h++) {
                int q = qo + b * len * ld + h * hs, p = ao + (b * heads + h) * tt;
                for (int q0 = 0; q0 < len; q0 += QUERY_BLOCK) {
                    int q1 = Math.min(len, q0 + QUERY_BLOCK);
                    Blas.gemm(false, true, q1 - q0, q1, hs, scale, qkv, q + q0 * ld, ld, qkv, q + d, ld, 0, att, p + q0 * len, len);
                }
                for (int t = 0; t < len; t++) {
                    int row = p + t * len, lo = start[b * len + t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = lo; s <= t; s++) max = Math.max(max, att.get(row + s));
                    double sum = 0;
                    for (int s = lo; s <= t; s++) {
                        double e = att.exp(att.get(row + s) - max);
                        att.set(row + s, e);
                        sum += e;
                    }
                    double inv = 1.0 / sum;
                    for (int s = 0; s < lo; s++) att.set(row + s, 0);
                    for (int s = lo; s <= t; s++) att.set(row + s, att.get(row + s) * inv);
                    for (int s = t + 1; s < len; s++) att.set(row + s, 0);
                }
                for (int q0 = 0; q0 < len; q0 += QUERY_BLOCK) {
                    int q1 = Math.min(len, q0 + QUERY_BLOCK);
                    Blas.gemm(false, false, q1 - q0, hs, q1, 1, att, p + q0 * len, len, qkv, q + 2 * d, ld, 0, y, yo + (b * len + q0) * d + h * hs, d);
                }
            }
    }

    /**
     * Given dy ([B·T, d]), writes dqkv ([B·T, 3d], overwritten) through P (kept by the forward); {@code scratch}
     * holds one head's [T, T] score gradient. Key block [s0, s1) gets its gradient from queries t ≥ s0 only.
     */
    @Override
    public void attentionBackward(Buf qkv, int qo, Buf att, int ao, Buf dy, int dyo, int[] start, int rows, int len,
                                         int heads, int d, Buf dqkv, int dqo, Buf scratch, int so) {
        int hs = d / heads, ld = 3 * d, tt = len * len;
        double scale = 1.0 / Math.sqrt(hs);
        for (int b = 0; b < rows; b++)
            for (int h = 0; h < heads; h++) {
                int q = qo + b * len * ld + h * hs, dq = dqo + b * len * ld + h * hs, p = ao + (b * heads + h) * tt;
                int dyh = dyo + b * len * d + h * hs;
                for (int q0 = 0; q0 < len; q0 += QUERY_BLOCK) {                                                     // dP = dY·Vᵀ
                    int q1 = Math.min(len, q0 + QUERY_BLOCK);
                    Blas.gemm(false, true, q1 - q0, q1, hs, 1, dy, dyh + q0 * d, d, qkv, q + 2 * d, ld, 0, scratch, so + q0 * len, len);
                }
                for (int s0 = 0; s0 < len; s0 += QUERY_BLOCK) {                                                     // dV = Pᵀ·dY
                    int s1 = Math.min(len, s0 + QUERY_BLOCK);
                    Blas.gemm(true, false, s1 - s0, hs, len - s0, 1, att, p + s0 * len + s0, len, dy, dyh + s0 * d, d, 0, dqkv, dq + s0 * ld + 2 * d, ld);
                }
                for (int t = 0; t < len; t++) {                                                                     // dS = P ⊙ (dP − Σ P·dP)
                    int row = p + t * len, srow = so + t * len, lo = start[b * len + t];
                    double dot = 0;
                    for (int s = lo; s <= t; s++) dot += att.get(row + s) * scratch.get(srow + s);
                    for (int s = 0; s < lo; s++) scratch.set(srow + s, 0);
                    for (int s = lo; s <= t; s++) scratch.set(srow + s, att.get(row + s) * (scratch.get(srow + s) - dot));
                    for (int s = t + 1; s < len; s++) scratch.set(srow + s, 0);
                }
                for (int q0 = 0; q0 < len; q0 += QUERY_BLOCK) {                                                     // dQ = dS·K/√hs
                    int q1 = Math.min(len, q0 + QUERY_BLOCK);
                    Blas.gemm(false, false, q1 - q0, hs, q1, scale, scratch, so + q0 * len, len, qkv, q + d, ld, 0, dqkv, dq + q0 * ld, ld);
                }
                for (int s0 = 0; s0 < len; s0 += QUERY_BLOCK) {                                                     // dK = dSᵀ·Q/√hs
                    int s1 = Math.min(len, s0 + QUERY_BLOCK);
                    Blas.gemm(true, false, s1 - s0, hs, len - s0, scale, scratch, so + s0 * len + s0, len, qkv, q + s0 * ld, ld, 0, dqkv, dq + s0 * ld + d, ld);
                }
            }
    }
}
