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

    public final void zero(int from, int n) {
        for (int i = from; i < from + n; i++) set(i, 0);
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
            b = a.data().asNioFloat();
            for (int i = 0; i < 3; i++) p[i] = new FloatPointer(a.data().addressPointer());
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

        FloatPointer at(int slot, long off) {
            return p[slot].position(off);
        }
    }

    static final class F64 extends Buf {
        final DoubleBuffer b;
        final DoublePointer[] p = new DoublePointer[3];

        F64(INDArray a) {
            super(a);
            b = a.data().asNioDouble();
            for (int i = 0; i < 3; i++) p[i] = new DoublePointer(a.data().addressPointer());
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

        DoublePointer at(int slot, long off) {
            return p[slot].position(off);
        }
    }
}
