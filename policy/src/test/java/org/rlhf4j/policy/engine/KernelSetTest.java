package org.rlhf4j.policy.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.policy.Nd4jDefaults;

/**
 * Every kernel of both kernel sets, in float64: its backward against central finite differences of a scalar loss
 * Σ c·output (c random), and the CPU set ({@link CpuKernels}) equal to the ND4J-op set ({@link Nd4jKernels}) on the same
 * inputs, outputs and gradients alike.
 *
 * <p>Each case lays its operands out in one buffer {@code m} and writes its gradients into {@code g}, a buffer of the
 * same layout, so that the gradient of element i of {@code m} is element i of {@code g}.
 */
class KernelSetTest {
    static final KernelSet[] SETS = {CpuKernels.INSTANCE, Nd4jKernels.INSTANCE};

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    /** One kernel under test: a forward that returns the loss, and a backward that fills g. */
    interface Case {
        double forward(KernelSet k, Buf m);

        void backward(KernelSet k, Buf m, Buf g);
    }

    static Buf random(int n, long seed) {
        Buf b = Buf.allocate(DataType.DOUBLE, n);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) b.set(i, r.nextDouble() * 2 - 1);
        return b;
    }

    static double dot(Buf a, int ao, double[] c) {
        double s = 0;
        for (int i = 0; i < c.length; i++) s += a.get(ao + i) * c[i];
        return s;
    }

    static double[] coefficients(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] c = new double[n];
        for (int i = 0; i < n; i++) c[i] = r.nextDouble() * 2 - 1;
        return c;
    }

    /**
     * For each kernel set: the analytic gradient at {@code wrt} against central differences (relative error ≤ 1e-6);
     * then both sets' buffers after forward and backward equal to 1e-12.
     */
    static void check(String name, int size, int from, int to, Case c) {
        Buf[] ms = new Buf[SETS.length], gs = new Buf[SETS.length];
        for (int s = 0; s < SETS.length; s++) {
            KernelSet k = SETS[s];
            Buf m = random(size, 42), g = Buf.allocate(DataType.DOUBLE, size);
            c.forward(k, m);
            c.backward(k, m, g);
            double eps = 1e-6, worst = 0;
            int at = -1;
            for (int i = from; i < to; i++) {
                double orig = m.get(i);
                m.set(i, orig + eps);
                double up = c.forward(k, m);
                m.set(i, orig - eps);
                double down = c.forward(k, m);
                m.set(i, orig);
                double num = (up - down) / (2 * eps), an = g.get(i);
                double err = Math.abs(num - an) / Math.max(1e-6, Math.abs(num) + Math.abs(an));
                if (err > worst) {
                    worst = err;
                    at = i;
                }
            }
            assertTrue(worst < 1e-6, name + " (" + k.name() + "): relative error " + worst + " at element " + at);
            c.forward(k, m); // leave the forward's outputs of the unperturbed inputs in m
            ms[s] = m;
            gs[s] = g;
        }
        for (int i = 0; i < size; i++) {
            assertEquals(ms[0].get(i), ms[1].get(i), 1e-12 * Math.max(1, Math.abs(ms[0].get(i))), name + ": buffers differ at " + i);
            assertEquals(gs[0].get(i), gs[1].get(i), 1e-12 * Math.max(1, Math.abs(gs[0].get(i))), name + ": gradients differ at " + i);
        }
    }

    @Test
    void embedding() {
        int v = 5, ctx = 4, d = 3, n = 6, wte = 0, wpe = v * d, x = wpe + ctx * d, size = x + n * d;
        int[] ids = {1, 4, 1, 0, 2, 4}, pos = {0, 1, 2, 0, 3, 3};
        double[] c = coefficients(n * d, 1);
        check("embedding", size, 0, x, new Case() {
            public double forward(KernelSet k, Buf m) {
                k.embedForward(m, wte, wpe, ids, pos, d, m, x);
                return dot(m, x, c);
            }

            public void backward(KernelSet k, Buf m, Buf g) {
                Buf dx = Buf.allocate(DataType.DOUBLE, n * d);
                for (int i = 0; i < c.length; i++) dx.set(i, c[i]);
                k.embedBackward(dx, 0, ids, pos, d, g, wte, wpe);
            }
        });
    }

    @Test
    void layerNorm() {
        int n = 3, d = 5, x = 0, gain = n * d, bias = gain + d, out = bias + d, hat = out + n * d, rstd = hat + n * d, size = rstd + n;
        double[] c = coefficients(n * d, 2);
        check("layerNorm", size, 0, out, new Case() {
            public double forward(KernelSet k, Buf m) {
                k.layerNormForward(m, x, m, gain, bias, n, d, 1e-5, m, out, m, hat, m, rstd);
                return dot(m, out, c);
            }

            public void backward(KernelSet k, Buf m, Buf g) {
                Buf dout = Buf.allocate(DataType.DOUBLE, n * d);
                for (int i = 0; i < c.length; i++) dout.set(i, c[i]);
                k.layerNormBackward(dout, 0, m, hat, m, rstd, m, gain, n, d, g, x, g, gain, bias);
            }
        });
    }

    @Test
    void geluBothForms() {
        for (boolean tanhForm : new boolean[] {true, false}) {
            int n = 12, h = 0, out = n, aux = 2 * n, size = 3 * n;
            double[] c = coefficients(n, 3);
            check("gelu " + (tanhForm ? "tanh" : "exact"), size, 0, n, new Case() {
                public double forward(KernelSet k, Buf m) {
                    k.geluForward(m, h, m, out, m, aux, n, tanhForm);
                    return dot(m, out, c);
                }

                public void backward(KernelSet k, Buf m, Buf g) {
                    for (int i = 0; i < n; i++) g.set(h + i, c[i]);
                    k.geluBackward(m, h, m, aux, g, h, n, tanhForm);
                }
            });
        }
    }

    @Test
    void linear() {
        int n = 4, in = 3, out = 5, x = 0, w = n * in, b = w + in * out, y = b + out, ones = y + n * out, size = ones + n;
        double[] c = coefficients(n * out, 4);
        check("linear", size, 0, y, new Case() {
            public double forward(KernelSet k, Buf m) {
                k.fill(m, ones, n, 1);
                k.linearForward(m, x, m, w, b, n, in, out, m, y, false, m, ones);
                return dot(m, y, c);
            }

            public void backward(KernelSet k, Buf m, Buf g) {
                Buf dy = Buf.allocate(DataType.DOUBLE, n * out), dx = Buf.allocate(DataType.DOUBLE, n * in);
                for (int i = 0; i < c.length; i++) dy.set(i, c[i]);
                k.linearBackward(m, x, dy, 0, m, w, n, in, out, g, w, b, dx, 0, m, ones);
                for (int i = 0; i < n * in; i++) g.set(x + i, dx.get(i));
            }
        });
    }

    /** Two rows of 7 positions, 2 heads: row 0 packs two segments, row 1 has one segment and two padding slots. */
    @Test
    void causalAttention() {
        int rows = 2, len = 7, heads = 2, d = 4, nd3 = rows * len * 3 * d;
        int qkv = 0, att = nd3, y = att + rows * heads * len * len, size = y + rows * len * d;
        int[] start = {0, 0, 0, 3, 3, 3, 3, /* row 1 */ 0, 0, 0, 0, 0, 5, 6};
        double[] c = coefficients(rows * len * d, 5);
        check("attention", size, 0, nd3, new Case() {
            public double forward(KernelSet k, Buf m) {
                k.attentionForward(m, qkv, start, rows, len, heads, d, m, att, m, y);
                return dot(m, y, c);
            }

            public void backward(KernelSet k, Buf m, Buf g) {
                Buf dy = Buf.allocate(DataType.DOUBLE, rows * len * d), scratch = Buf.allocate(DataType.DOUBLE, len * len);
                for (int i = 0; i < c.length; i++) dy.set(i, c[i]);
                k.attentionBackward(m, qkv, m, att, dy, 0, start, rows, len, heads, d, g, qkv, scratch, 0);
            }
        });
    }

    /** log-probability and entropy at a temperature, through logSoftmaxRows and logitGrad. */
    @Test
    void logSoftmaxWithEntropy() {
        int m = 3, V = 6, size = m * V;
        int[] targets = {2, 5, 0};
        double temperature = 0.7;
        double[] a = coefficients(m, 6), b = coefficients(m, 7);
        Buf[] logits = new Buf[1];
        check("log-softmax", size, 0, size, new Case() {
            double[] ent;

            public double forward(KernelSet k, Buf buf) {
                Buf z = Buf.allocate(DataType.DOUBLE, size);        // the kernel turns logits into probabilities in place
                k.copy(buf, 0, z, 0, size);
                double[] lse = new double[m], lp = new double[m];
                ent = new double[m];
                k.logSoftmaxRows(z, 0, m, V, temperature, targets, lse, lp, ent);
                logits[0] = z;
                double s = 0;
                for (int r = 0; r < m; r++) s += a[r] * lp[r] + b[r] * ent[r];
                return s;
            }

            public void backward(KernelSet k, Buf buf, Buf g) {
                forward(k, buf);
                Buf p = logits[0];
                k.logitGrad(p, 0, m, V, temperature, targets, a, b, ent);
                k.copy(p, 0, g, 0, size);
            }
        });
    }

    @Test
    void scalarHead() {
        int n = 4, d = 3, hidden = 0, w = n * d, b = w + d, size = b + 1;
        int[] slots = {0, 1, 2, 3};
        double[] c = coefficients(n, 8);
        check("scalar head", size, 0, size, new Case() {
            public double forward(KernelSet k, Buf m) {
                double[] out = new double[n];
                k.headForward(m, hidden, d, m, w, b, slots, out);
                double s = 0;
                for (int i = 0; i < n; i++) s += c[i] * out[i];
                return s;
            }

            public void backward(KernelSet k, Buf m, Buf g) {
                k.headBackward(m, hidden, d, m, w, b, c, g, w, b, g, hidden);
            }
        });
    }

    /** The memory kernels and a strided, transposed gemm give the same buffers in both sets. */
    @Test
    void memoryKernelsAndStridedGemmAgree() {
        Buf[] out = new Buf[SETS.length];
        for (int s = 0; s < SETS.length; s++) {
            KernelSet k = SETS[s];
            Buf m = random(200, 9);
            k.fill(m, 0, 5, 2.5);
            k.copy(m, 10, m, 20, 7);
            k.gatherRows(m, 30, new int[] {3, 0, 2}, 0, 3, 4, m, 60);
            k.scatterAddRows(m, 60, new int[] {1, 1, 0}, 0, 3, 4, m, 80);
            // C (3×4, ld 6) = 0.5·Aᵀ (A: 5×3, ld 4) · Bᵀ (B: 4×5, ld 7) + 2·C
            k.gemm(true, true, 3, 4, 5, 0.5, m, 100, 4, m, 120, 7, 2.0, m, 160, 6);
            out[s] = m;
        }
        for (int i = 0; i < 200; i++) assertEquals(out[0].get(i), out[1].get(i), 1e-13, "element " + i);
        assertEquals(2.5, out[0].get(4));
    }
}
