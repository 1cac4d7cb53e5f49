package org.rlhf4j.policy.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between Java {@code double[]} and the native memory of a float32 or float64 ND4J array, through the
 * array's direct NIO view: no ND4J op, no allocation. Used by {@link KvForward}, which keeps everything but the matrix
 * products on the Java side, because on this project's machines every ND4J op costs tens of microseconds of
 * bookkeeping and allocation whatever its size (measured: a (16,128) mean or broadcast multiply took 20–150 µs, a
 * (16,128)·(128,384) product 170–1100 µs with a fresh output but 26–150 µs into a preallocated one).
 *
 * <p>Arrays passed here must be dense, C-ordered and not views (checked by {@link #dense}).
 */
final class HostArrays {
    private HostArrays() {}

    /** {@code a} itself when it can be addressed as a flat buffer from element 0, else a dense copy. */
    static INDArray dense(INDArray a) {
        return a.isView() || a.ordering() != 'c' || a.offset() != 0 ? a.dup('c') : a;
    }

    static INDArray create(DataType dt, long... shape) {
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE) throw new IllegalArgumentException("expected float32 or float64, got " + dt);
        return Nd4j.create(dt, shape);
    }

    /** Copies {@code n} values of {@code src} from {@code srcOff} into the array's elements 0..n-1. */
    static void write(INDArray dst, double[] src, int srcOff, int n) {
        if (dst.dataType() == DataType.FLOAT) {
            FloatBuffer fb = dst.data().asNioFloat();
            for (int i = 0; i < n; i++) fb.put(i, (float) src[srcOff + i]);
        } else {
            DoubleBuffer db = dst.data().asNioDouble();
            db.position(0);
            db.put(src, srcOff, n);
        }
    }

    /** Copies the array's elements from..from+n-1 into {@code dst} at {@code dstOff}. */
    static void read(INDArray src, long from, double[] dst, int dstOff, int n) {
        int f = Math.toIntExact(from);
        if (src.dataType() == DataType.FLOAT) {
            FloatBuffer fb = src.data().asNioFloat();
            for (int i = 0; i < n; i++) dst[dstOff + i] = fb.get(f + i);
        } else {
            DoubleBuffer db = src.data().asNioDouble();
            db.position(f);
            db.get(dst, dstOff, n);
        }
    }

    /** Copies the array's elements from..from+n-1 into {@code dst} (float) at {@code dstOff}. */
    static void read(INDArray src, long from, float[] dst, int dstOff, int n) {
        int f = Math.toIntExact(from);
        if (src.dataType() == DataType.FLOAT) {
            FloatBuffer fb = src.data().asNioFloat();
            fb.position(f);
            fb.get(dst, dstOff, n);
        } else {
            DoubleBuffer db = src.data().asNioDouble();
            for (int i = 0; i < n; i++) dst[dstOff + i] = (float) db.get(f + i);
        }
    }

    /** The whole (dense) array as doubles. */
    static double[] toDoubles(INDArray a) {
        INDArray d = dense(a);
        double[] out = new double[Math.toIntExact(d.length())];
        read(d, 0, out, 0, out.length);
        return out;
    }
}
