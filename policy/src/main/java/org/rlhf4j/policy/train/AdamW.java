package org.rlhf4j.policy.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamW (Loshchilov & Hutter) applied in place to the policy's arrays, with the global-norm clipping DL4J's
 * TrainingConfig lacks. A step whose gradients are not all finite is refused (the caller counts the skips), so a
 * NaN never reaches the weights or the moments. State (moments and step count) round-trips through
 * {@link #state()} / {@link #load} for exact resume.
 */
public final class AdamW {
    private final OptimConfig cfg;
    private final Map<String, INDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    /** Updates applied to each parameter (its bias correction); differs from {@link #steps} when some steps skip it. */
    private final Map<String, Long> t = new LinkedHashMap<>();
    private long steps;

    public AdamW(OptimConfig cfg) {
        this.cfg = cfg;
    }

    /** What one step did. */
    public record StepInfo(boolean applied, double gradNorm, double lr) {}

    /** Whether weight decay applies: matrices and embeddings, never biases, LayerNorm gains or head biases. */
    public static boolean decays(String name, INDArray param) {
        return param.rank() == 2 && !name.endsWith(".bias");
    }

    /** Global L2 norm over all gradients. */
    public static double globalNorm(Map<String, INDArray> grads) {
        double sq = 0;
        for (INDArray g : grads.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /**
     * Clips (if configured) and applies one update with learning rate {@code lr}. Returns applied=false, touching
     * nothing, when the gradient norm is not finite.
     */
    public StepInfo step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        return step(params, grads, lr, name -> 1.0);
    }

    /**
     * As {@link #step(Map, Map, double)}, with parameter {@code name}'s learning rate {@code lr · lrScale(name)}
     * (parameter groups, e.g. a value head that learns faster than the backbone). Parameters without a gradient in
     * {@code grads} are not touched, and neither are their moments.
     */
    public StepInfo step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr, ToDoubleFunction<String> lrScale) {
        double norm = globalNorm(grads);
        if (!Double.isFinite(norm)) return new StepInfo(false, norm, lr);
        double scale = cfg.gradClip() > 0 && norm > cfg.gradClip() ? cfg.gradClip() / (norm + 1e-6) : 1.0;
        steps++;
        for (var e : params.entrySet()) {
            String name = e.getKey();
            INDArray p = e.getValue(), g = grads.get(name);
            if (g == null) continue;
            double plr = lr * lrScale.applyAsDouble(name);
            long n = t.merge(name, 1L, Long::sum);
            double bc1 = 1 - Math.pow(cfg.beta1(), n), bc2 = 1 - Math.pow(cfg.beta2(), n);
            INDArray mi = m.computeIfAbsent(name, k -> Nd4j.zeros(p.dataType(), p.shape()));
            INDArray vi = v.computeIfAbsent(name, k -> Nd4j.zeros(p.dataType(), p.shape()));
            double decay = cfg.weightDecay() > 0 && decays(name, p) ? 1 - plr * cfg.weightDecay() : 1;
            update(Flat.of(p), Flat.of(g), Flat.of(mi), Flat.of(vi), Math.toIntExact(p.length()), scale, decay, plr, bc1, bc2);
        }
        return new StepInfo(true, norm, lr);
    }

    /**
     * One parameter's update in place, element by element (no temporary arrays: at GPT-2 size each temporary is 0.5 GB
     * of native memory that only the garbage collector would free): g ← scale·g; m ← β1·m + (1−β1)·g;
     * v ← β2·v + (1−β2)·g²; p ← decay·p − lr·(m/bc1)/(√(v/bc2) + ε).
     */
    private void update(Flat p, Flat g, Flat m, Flat v, int n, double scale, double decay, double lr, double bc1, double bc2) {
        double b1 = cfg.beta1(), b2 = cfg.beta2(), eps = cfg.eps();
        for (int i = 0; i < n; i++) {
            double gi = g.get(i) * scale;
            double mi = b1 * m.get(i) + (1 - b1) * gi, vi = b2 * v.get(i) + (1 - b2) * gi * gi;
            m.set(i, mi);
            v.set(i, vi);
            p.set(i, decay * p.get(i) - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
        }
    }

    /** A contiguous array (a view of a flat buffer or an array of its own) read and written by index from Java. */
    private abstract static sealed class Flat permits Flat.F, Flat.D {
        final int off;

        Flat(INDArray a) {
            if (a.ordering() != 'c' || a.elementWiseStride() != 1) throw new IllegalArgumentException("AdamW needs contiguous arrays");
            off = Math.toIntExact(a.offset());
        }

        abstract double get(int i);

        abstract void set(int i, double x);

        static Flat of(INDArray a) {
            return a.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE ? new D(a) : new F(a);
        }

        static final class F extends Flat {
            final java.nio.FloatBuffer b;

            F(INDArray a) {
                super(a);
                b = a.data().asNioFloat();
            }

            double get(int i) {
                return b.get(off + i);
            }

            void set(int i, double x) {
                b.put(off + i, (float) x);
            }
        }

        static final class D extends Flat {
            final java.nio.DoubleBuffer b;

            D(INDArray a) {
                super(a);
                b = a.data().asNioDouble();
            }

            double get(int i) {
                return b.get(off + i);
            }

            void set(int i, double x) {
                b.put(off + i, x);
            }
        }
    }

    public long steps() {
        return steps;
    }

    /** Moments and per-parameter update counts as named arrays ("m/NAME", "v/NAME", "t/NAME") for optimizer.safetensors. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        m.forEach((k, a) -> s.put("m/" + k, a));
        v.forEach((k, a) -> s.put("v/" + k, a));
        t.forEach((k, n) -> s.put("t/" + k, Nd4j.scalar(n.longValue())));
        return s;
    }

    public void load(Map<String, INDArray> state, long stepCount) {
        m.clear();
        v.clear();
        t.clear();
        state.forEach((k, a) -> {
            if (k.startsWith("m/")) m.put(k.substring(2), a.dup());
            else if (k.startsWith("v/")) v.put(k.substring(2), a.dup());
            else if (k.startsWith("t/")) t.put(k.substring(2), a.getLong(0));
            else throw new IllegalArgumentException("optimizer state: unexpected tensor " + k);
        });
        for (String k : m.keySet()) t.putIfAbsent(k, stepCount);     // written before per-parameter counts existed
        steps = stepCount;
    }
}
