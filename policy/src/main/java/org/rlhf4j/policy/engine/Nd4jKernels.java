package org.rlhf4j.policy.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The backend-neutral kernel set ({@link KernelSet} documents each kernel): ND4J ops only, on strided views of the
 * engine's buffers, so nothing is read or written from Java by index and every product is a 2-D {@code mmul}. This is
 * the set that runs on nd4j-cuda; on a CPU it is slower than {@link CpuKernels} (each op costs tens of microseconds of
 * set-up) and serves as its cross-check. Only ops that the project uses elsewhere without trouble appear here: no fused
 * LayerNorm (it has no ε), no GELU op (wrong form), no gather or scatter ops (row loops instead); softmax is written
 * out (max, exp, sum) so that masked scores are exactly 0.
 */
public final class Nd4jKernels implements KernelSet {
    public static final Nd4jKernels INSTANCE = new Nd4jKernels();

    private static final double C = Math.sqrt(2.0 / Math.PI), A = 0.044715, INV_SQRT2 = 1.0 / Math.sqrt(2.0),
            INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private Nd4jKernels() {}

    @Override
    public String name() {
        return "nd4j";
    }

    /** The [rows, cols] sub-matrix at {@code off} with row stride {@code ld}: a view, writes land in the buffer. */
    static INDArray view(Buf b, long off, long rows, long cols, long ld) {
        return Nd4j.create(b.array.data(), new long[] {rows, cols}, new long[] {ld, 1}, off, 'c');
    }

    static INDArray vec(Buf b, long off, long n) {
        return view(b, off, 1, n, n);
    }

    // ---- memory ----

    @Override
    public void fill(Buf b, int off, int n, double v) {
        vec(b, off, n).assign(v);
    }

    @Override
    public void copy(Buf x, int xo, Buf y, int yo, int n) {
        vec(y, yo, n).assign(vec(x, xo, n));
    }

    @Override
    public void gatherRows(Buf src, int so, int[] rows, int from, int m, int d, Buf dst, int dOff) {
        for (int r = 0; r < m; r++) vec(dst, dOff + (long) r * d, d).assign(vec(src, so + (long) rows[from + r] * d, d));
    }

    @Override
    public void scatterAddRows(Buf src, int so, int[] rows, int from, int m, int d, Buf dst, int dOff) {
        for (int r = 0; r < m; r++) vec(dst, dOff + (long) rows[from + r] * d, d).addi(vec(src, so + (long) r * d, d));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Buf a, int offA, int lda,
                     Buf b, int offB, int ldb, double beta, Buf c, int offC, int ldc) {
        INDArray av = transA ? view(a, offA, k, m, lda).transpose() : view(a, offA, m, k, lda);
        INDArray bv = transB ? view(b, offB, n, k, ldb).transpose() : view(b, offB, k, n, ldb);
        INDArray prod = av.mmul(bv);
        if (alpha != 1) prod.muli(alpha);
        INDArray cv = view(c, offC, m, n, ldc);
        if (beta == 0) cv.assign(prod);
        else {
            if (beta != 1) cv.muli(beta);
            cv.addi(prod);
        }
    }

    // ---- embeddings ----

    @Override
    public void embedForward(Buf w, int wte, int wpe, int[] ids, int[] pos, int d, Buf x, int xo) {
        for (int n = 0; n < ids.length; n++)
            vec(x, xo + (long) n * d, d).assign(vec(w, wte + (long) ids[n] * d, d).add(vec(w, wpe + (long) pos[n] * d, d)));
    }

    @Override
    public void embedBackward(Buf dx, int dxo, int[] ids, int[] pos, int d, Buf g, int wte, int wpe) {
        for (int n = 0; n < ids.length; n++) {
            INDArray row = vec(dx, dxo + (long) n * d, d);
            vec(g, wte + (long) ids[n] * d, d).addi(row);
            vec(g, wpe + (long) pos[n] * d, d).addi(row);
        }
    }

    // ---- LayerNorm ----

    @Override
    public void layerNormForward(Buf x, int xo, Buf w, int gain, int bias, int n, int d, double eps,
                                 Buf out, int oo, Buf hat, int ho, Buf rstd, int ro) {
        INDArray xv = view(x, xo, n, d, d);
        INDArray centred = xv.subColumnVector(xv.mean(1).reshape(n, 1));
        INDArray var = centred.mul(centred).mean(1).reshape(n, 1);
        INDArray rs = Transforms.pow(var.addi(eps), -0.5, false);
        INDArray h = centred.muliColumnVector(rs);
        view(rstd, ro, n, 1, 1).assign(rs);
        view(hat, ho, n, d, d).assign(h);
        view(out, oo, n, d, d).assign(h.mulRowVector(vec(w, gain, d)).addiRowVector(vec(w, bias, d)));
    }

    @Override
    public void layerNormBackward(Buf dout, int doo, Buf hat, int ho, Buf rstd, int ro, Buf w, int gain,
                                  int n, int d, Buf dx, int dxo, Buf g, int dGain, int dBias) {
        INDArray dv = view(dout, doo, n, d, d), h = view(hat, ho, n, d, d), rs = view(rstd, ro, n, 1, 1);
        INDArray dh = dv.mulRowVector(vec(w, gain, d));
        INDArray meanD = dh.mean(1).reshape(n, 1), meanDH = dh.mul(h).mean(1).reshape(n, 1);
        INDArray grad = dh.subiColumnVector(meanD).subi(h.mulColumnVector(meanDH)).muliColumnVector(rs);
        view(dx, dxo, n, d, d).addi(grad);
        vec(g, dGain, d).addi(dv.mul(h).sum(0).reshape(1, d));
        vec(g, dBias, d).addi(dv.sum(0).reshape(1, d));
    }

    // ---- GELU ----

    @Override
    public void geluForward(Buf h, int ho, Buf out, int oo, Buf aux, int xo, int n, boolean tanhForm) {
        INDArray x = vec(h, ho, n), s;
        if (tanhForm) s = Transforms.tanh(x.mul(x).muli(A).addi(1).muli(x).muli(C), false);
        else {
            s = x.mul(INV_SQRT2);
            Nd4j.exec(new Erf(s, s));
        }
        vec(aux, xo, n).assign(s);
        vec(out, oo, n).assign(s.add(1).muli(x).muli(0.5));
    }

    @Override
    public void geluBackward(Buf h, int ho, Buf aux, int xo, Buf d, int dOff, int n, boolean tanhForm) {
        INDArray x = vec(h, ho, n), s = vec(aux, xo, n), grad;
        if (tanhForm) {
            // 0.5·(1 + s) + 0.5·x·(1 − s²)·C·(1 + 3A·x²)
            INDArray inner = x.mul(x).muli(3 * A).addi(1).muli(C);
            grad = s.mul(s).rsubi(1).muli(x).muli(inner).muli(0.5).addi(s.add(1).muli(0.5));
        } else {
            // 0.5·(1 + s) + x·exp(−x²/2)/√(2π)
            grad = Transforms.exp(x.mul(x).muli(-0.5), false).muli(x).muli(INV_SQRT_2PI).addi(s.add(1).muli(0.5));
        }
        vec(d, dOff, n).muli(grad);
    }

    // ---- linear layers ----

    @Override
    public void linearForward(Buf x, int xo, Buf w, int wo, int bo, int n, int in, int out, Buf y, int yo, boolean accumulate,
                              Buf ones, int onesOff) {
        INDArray prod = view(x, xo, n, in, in).mmul(view(w, wo, in, out, out)).addiRowVector(vec(w, bo, out));
        INDArray yv = view(y, yo, n, out, out);
        if (accumulate) yv.addi(prod);
        else yv.assign(prod);
    }

    @Override
    public void linearBackward(Buf x, int xo, Buf dy, int dyo, Buf w, int wo, int n, int in, int out,
                               Buf g, int dW, int dB, Buf dx, int dxo, Buf ones, int onesOff) {
        INDArray xv = view(x, xo, n, in, in), dyv = view(dy, dyo, n, out, out);
        view(g, dW, in, out, out).addi(xv.transpose().mmul(dyv));
        vec(g, dB, out).addi(dyv.sum(0).reshape(1, out));
        if (dx != null) view(dx, dxo, n, in, in).assign(dyv.mmul(view(w, wo, in, out, out).transpose()));
    }

    // ---- attention ----

    /** The additive mask of one row: 0 where query t may see key s (start_t ≤ s ≤ t), −∞ elsewhere. */
    private static INDArray mask(int[] start, int b, int len, org.nd4j.linalg.api.buffer.DataType dt) {
        double[] m = new double[len * len];
        for (int t = 0; t < len; t++)
            for (int s = 0; s < len; s++) m[t * len + s] = s >= start[b * len + t] && s <= t ? 0 : Double.NEGATIVE_INFINITY;
        return Nd4j.createFromArray(m).reshape(len, len).castTo(dt);
    }

    @Override
    public void attentionForward(Buf qkv, int qo, int[] start, int rows, int len, int heads, int d, Buf att, int ao, Buf y, int yo) {
        int hs = d / heads, ld = 3 * d;
        double scale = 1.0 / Math.sqrt(hs);
        for (int b = 0; b < rows; b++) {
            INDArray mask = mask(start, b, len, qkv.dataType());
            for (int h = 0; h < heads; h++) {
                int base = qo + b * len * ld + h * hs;
                INDArray q = view(qkv, base, len, hs, ld), k = view(qkv, base + d, len, hs, ld), v = view(qkv, base + 2 * d, len, hs, ld);
                INDArray scores = q.mmul(k.transpose()).muli(scale).addi(mask);
                INDArray p = Transforms.exp(scores.subiColumnVector(scores.max(1).reshape(len, 1)), false);
                p.diviColumnVector(p.sum(1).reshape(len, 1));
                view(att, ao + (long) (b * heads + h) * len * len, len, len, len).assign(p);
                view(y, yo + (long) b * len * d + h * hs, len, hs, d).assign(p.mmul(v));
            }
        }
    }

    @Override
    public void attentionBackward(Buf qkv, int qo, Buf att, int ao, Buf dy, int dyo, int[] start, int rows, int len,
                                  int heads, int d, Buf dqkv, int dqo, Buf scratch, int so) {
        int hs = d / heads, ld = 3 * d;
        double scale = 1.0 / Math.sqrt(hs);
        for (int b = 0; b < rows; b++)
            for (int h = 0; h < heads; h++) {
                int base = qo + b * len * ld + h * hs, dbase = dqo + b * len * ld + h * hs;
                INDArray q = view(qkv, base, len, hs, ld), k = view(qkv, base + d, len, hs, ld), v = view(qkv, base + 2 * d, len, hs, ld);
                INDArray p = view(att, ao + (long) (b * heads + h) * len * len, len, len, len);
                INDArray dyh = view(dy, dyo + (long) b * len * d + h * hs, len, hs, d);
                INDArray dp = dyh.mmul(v.transpose());                                           // dP = dY·Vᵀ
                view(dqkv, dbase + 2 * d, len, hs, ld).assign(p.transpose().mmul(dyh));          // dV = Pᵀ·dY
                INDArray ds = dp.subColumnVector(p.mul(dp).sum(1).reshape(len, 1)).muli(p);     // dS = P ⊙ (dP − Σ P·dP)
                view(dqkv, dbase, len, hs, ld).assign(ds.mmul(k).muli(scale));                  // dQ = dS·K/√hs
                view(dqkv, dbase + d, len, hs, ld).assign(ds.transpose().mmul(q).muli(scale));  // dK = dSᵀ·Q/√hs
            }
    }

    @Override
    public void cachedAttention(Buf qkv, int qo, int rows, int t, int start, int heads, int d, Buf cache, int keys, int values,
                                int rowStride, boolean[][] realKey, Buf scores, int so, Buf y, int yo) {
        int end = start + t, ld = 3 * d, hs = d / heads;
        double scale = 1.0 / Math.sqrt(hs);
        for (int i = 0; i < rows; i++) {
            double[] m = new double[t * end];
            for (int j = 0; j < t; j++)
                for (int s = 0; s < end; s++) m[j * end + s] = s == start + j || (s < start + j && realKey[i][s]) ? 0 : Double.NEGATIVE_INFINITY;
            INDArray mask = Nd4j.createFromArray(m).reshape(t, end).castTo(qkv.dataType());
            for (int h = 0; h < heads; h++) {
                INDArray q = view(qkv, qo + (long) i * t * ld + h * hs, t, hs, ld);
                INDArray k = view(cache, keys + (long) i * rowStride + h * hs, end, hs, d);
                INDArray v = view(cache, values + (long) i * rowStride + h * hs, end, hs, d);
                INDArray sc = q.mmul(k.transpose()).muli(scale).addi(mask);
                INDArray p = Transforms.exp(sc.subiColumnVector(sc.max(1).reshape(t, 1)), false);
                p.diviColumnVector(p.sum(1).reshape(t, 1));
                view(y, yo + (long) i * t * d + h * hs, t, hs, d).assign(p.mmul(v));
            }
        }
    }

    @Override
    public void read(Buf b, int off, float[] dst) {
        float[] v = vec(b, off, dst.length).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
        System.arraycopy(v, 0, dst, 0, dst.length);
    }

    // ---- the LM head's softmax and the scalar heads ----

    @Override
    public void logSoftmaxRows(Buf a, int off, int m, int V, double temperature, int[] targetIds, double[] lse, double[] logprob, double[] entropy) {
        INDArray zv = view(a, off, m, V, V);
        INDArray z = zv.div(temperature);
        INDArray max = z.max(1).reshape(m, 1);
        INDArray e = Transforms.exp(z.subColumnVector(max), false);
        INDArray sum = e.sum(1).reshape(m, 1);
        INDArray p = e.diviColumnVector(sum);
        INDArray l = Transforms.log(sum, true).addi(max);
        double[] ls = l.reshape(m).toDoubleVector();
        double[] ez = entropy == null ? null : p.mul(z).sum(1).toDoubleVector();
        for (int r = 0; r < m; r++) {
            lse[r] = ls[r];
            logprob[r] = z.getDouble(r, targetIds[r]) - ls[r];
            if (entropy != null) entropy[r] = ls[r] - ez[r];
        }
        zv.assign(p);
    }

    @Override
    public void probabilities(Buf a, int off, int m, int V, double temperature, double[] lse, int lseFrom) {
        INDArray zv = view(a, off, m, V, V);
        double[] l = new double[m];
        System.arraycopy(lse, lseFrom, l, 0, m);
        INDArray lv = Nd4j.createFromArray(l).castTo(zv.dataType()).reshape(m, 1);
        zv.assign(Transforms.exp(zv.div(temperature).subiColumnVector(lv), false));
    }

    @Override
    public void logitGrad(Buf a, int off, int m, int V, double temperature, int[] targetIds, double[] dlp, double[] dent, double[] entropy) {
        INDArray p = view(a, off, m, V, V);
        INDArray dl = Nd4j.createFromArray(dlp).castTo(p.dataType()).reshape(m, 1);
        INDArray dz = p.mulColumnVector(dl).negi();                                      // −dlp·p
        if (dent != null && entropy != null) {
            INDArray de = Nd4j.createFromArray(dent).castTo(p.dataType()).reshape(m, 1);
            INDArray hv = Nd4j.createFromArray(entropy).castTo(p.dataType()).reshape(m, 1);
            // −dH·p·(log p + H), with p·log p = 0 where p = 0
            INDArray logp = Transforms.log(Transforms.max(p, Float.MIN_NORMAL, true), false);
            dz.subi(logp.addiColumnVector(hv).muli(p).muliColumnVector(de));
        }
        for (int r = 0; r < m; r++) dz.putScalar(r, targetIds[r], dz.getDouble(r, targetIds[r]) + dlp[r]);
        p.assign(dz.divi(temperature));
    }

    @Override
    public void headForward(Buf hidden, int ho, int d, Buf w, int hw, int hb, int[] slots, double[] out) {
        INDArray hv = Nd4j.create(hidden.dataType(), slots.length, d);
        for (int i = 0; i < slots.length; i++) hv.getRow(i).assign(vec(hidden, ho + (long) slots[i] * d, d));
        double bias = vec(w, hb, 1).getDouble(0);
        double[] s = hv.mmul(view(w, hw, d, 1, 1)).reshape(slots.length).toDoubleVector();
        for (int i = 0; i < slots.length; i++) out[i] = s[i] + bias;
    }

    @Override
    public void headBackward(Buf hidden, int ho, int d, Buf w, int hw, int hb, double[] dv, Buf g, int gw, int gb, Buf dh, int dho) {
        int n = dv.length;
        INDArray gv = Nd4j.createFromArray(dv).castTo(hidden.dataType()).reshape(n, 1);
        INDArray hv = view(hidden, ho, n, d, d);
        view(g, gw, 1, d, d).addi(gv.transpose().mmul(hv));
        vec(g, gb, 1).addi(gv.sumNumber().doubleValue());
        view(dh, dho, n, d, d).addi(gv.mmul(view(w, hw, 1, d, d)));
    }
}
