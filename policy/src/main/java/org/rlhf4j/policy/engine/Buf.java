package org.rlhf4j.policy.engine;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A flat float32 or float64 buffer in native memory (an ND4J array the engine owns, or a policy's flat parameters)
 * read and written by index from Java, and handed to BLAS by address. The engine runs float32 in training and float64
 * in the gradient tests; kernels are written once against this class, whose two subclasses the JIT inlines.
 */
public abstract sealed class Buf permits Buf.F32, Buf.F64 {
    /**
     * Whether ND4J arrays live in host memory that Java can address (the CPU backend). On another backend (CUDA) a Buf
     * carries its array only, for the ND4J kernel set; reading or writing it by index is refused.
     */
    public static final boolean HOST_MEMORY = Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");

    /** The array whose memory this is: 1-D, contiguous, not a view. */
    public final INDArray array;
    public final int length;

    Buf(INDArray array) {
        if (array.isView() || array.offset() != 0 || array.rank() != 1)
            throw new IllegalArgumentException("a Buf needs a 1-D array that owns its memory");
        this.array = array;
        this.length = Math.toIntExact(array.length());
    }

    public abstract double get(int i);

    public abstract void set(int i, double v);

    public final void add(int i, double v) {
        set(i, get(i) + v);
    }

    public abstract DataType dataType();

    /**
     * e^x to this buffer's precision: Math.exp for float64; for float32 a range reduction and a degree-7 polynomial
     * (relative error below 1e-8, under float32's rounding) at a fraction of Math.exp's cost on this JVM.
     */
    public abstract double exp(double x);

    /** dst[k] = this[from + k] for every k, rounded to float32. */
    public void read(int from, float[] dst) {
        for (int k = 0; k < dst.length; k++) dst[k] = (float) get(from + k);
    }

    public final void zero(int from, int n) {
        for (int i = from; i < from + n; i++) set(i, 0);
    }

    static final double LOG2E = 1.4426950408889634, LN2 = 0.6931471805599453;

    /** e^x = 2^k · e^r with k = round(x / ln 2), |r| ≤ ln 2 / 2, e^r by its Taylor series to r^7 (error < 6e-9). */
    static double expFloat(double x) {
        if (x < -103) return 0;                              // below float32's smallest subnormal
        if (x > 89) return Double.POSITIVE_INFINITY;         // above float32's largest value
        double k = Math.rint(x * LOG2E), r = x - k * LN2;
        double p = 1 + r * (1 + r * (1 / 2.0 + r * (1 / 6.0 + r * (1 / 24.0 + r * (1 / 120.0 + r * (1 / 720.0 + r * (1 / 5040.0)))))));
        return p * Double.longBitsToDouble((long) (k + 1023) << 52);
    }

    /** Wraps an existing array (no copy). */
    public static Buf of(INDArray a) {
        return switch (a.dataType()) {
            case FLOAT -> new F32(a);
            case DOUBLE -> new F64(a);
            default -> throw new IllegalArgumentException("the engine runs in FLOAT or DOUBLE, not " + a.dataType());
        };
    }

    /** A new zero-filled buffer of {@code n} elements. */
    public static Buf allocate(DataType dt, long n) {
        return of(Nd4j.create(dt, Math.max(1, n)));
    }

    static final class F32 extends Buf {
        final FloatBuffer b;
        /** One pointer per gemm operand slot (A, B, C): the same buffer may be two operands at two offsets. */
        final FloatPointer[] p = new FloatPointer[3];

        F32(INDArray a) {
            super(a);
            b = HOST_MEMORY ? a.data().asNioFloat() : null;
            if (HOST_MEMORY) for (int i = 0; i < 3; i++) p[i] = new FloatPointer(a.data().addressPointer());
        }

        @Override
        public double get(int i) {
            return b.get(i);
        }

        @Override
        public void set(int i, double v) {
            b.put(i, (float) v);
        }

        @Override
        public DataType dataType() {
            return DataType.FLOAT;
        }

        @Override
        public double exp(double x) {
            return expFloat(x);
        }

        @Override
        public void read(int from, float[] dst) {
            b.get(from, dst);
        }

        FloatPointer at(int slot, long off) {
            return p[slot].position(off);
        }
    }

    static final class F64 extends Buf {
        final DoubleBuffer b;
        final DoublePointer[] p = new DoublePointer[3];

        F64(INDArray a) {
            super(a);
            b = HOST_MEMORY ? a.data().asNioDouble() : null;
            if (HOST_MEMORY) for (int i = 0; i < 3; i++) p[i] = new DoublePointer(a.data().addressPointer());
        }

        @Override
        public double get(int i) {
            return b.get(i);
        }

        @Override
        public void set(int i, double v) {
            b.put(i, v);
        }

        @Override
        public DataType dataType() {
            return DataType.DOUBLE;
        }

        @Override
        public double exp(double x) {
            return Math.exp(x);
        }

        DoublePointer at(int slot, long off) {
            return p[slot].position(off);
        }
    }
}
