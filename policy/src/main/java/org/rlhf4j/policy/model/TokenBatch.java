package org.rlhf4j.policy.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A batch of token sequences laid out as (rows, len), with what the model needs to read it: position ids, which slots
 * are real, and which segment (example) each slot belongs to. Several examples may share a row (packing); attention
 * never crosses segments and positions restart at 0 in each one, so packed examples do not contaminate each other.
 * Padding slots hold id 0 as model input (the pad id may lie outside the embedding) and are masked everywhere.
 */
public final class TokenBatch {
    /** Additive attention bias that hides a key; finite so that a row with every key hidden stays finite. */
    public static final float MASKED = -1e9f;

    public final int rows, len;
    /** (rows, len) model input ids; 0 in padding slots. */
    public final int[][] ids;
    public final int[][] positions;
    /** (rows, len) segment index within the row, -1 for padding. */
    public final int[][] segment;

    private TokenBatch(int rows, int len) {
        this.rows = rows;
        this.len = len;
        ids = new int[rows][len];
        positions = new int[rows][len];
        segment = new int[rows][len];
        for (int[] s : segment) java.util.Arrays.fill(s, -1);
    }

    public boolean real(int row, int t) {
        return segment[row][t] >= 0;
    }

    /** One sequence per row, real tokens first, padding after. */
    public static TokenBatch rightPadded(List<int[]> seqs, int len) {
        TokenBatch b = new TokenBatch(seqs.size(), len);
        for (int r = 0; r < seqs.size(); r++) {
            int[] s = seqs.get(r);
            if (s.length > len) throw new IllegalArgumentException("sequence " + r + " has " + s.length + " tokens, more than the batch length " + len);
            for (int t = 0; t < s.length; t++) {
                b.ids[r][t] = s[t];
                b.positions[r][t] = t;
                b.segment[r][t] = 0;
            }
        }
        return b;
    }

    /** One sequence per row, padding first so every row ends at the same column (for batched generation). */
    public static TokenBatch leftPadded(List<int[]> seqs, int len) {
        TokenBatch b = new TokenBatch(seqs.size(), len);
        for (int r = 0; r < seqs.size(); r++) {
            int[] s = seqs.get(r);
            if (s.length > len) throw new IllegalArgumentException("sequence " + r + " has " + s.length + " tokens, more than the batch length " + len);
            int off = len - s.length;
            for (int t = 0; t < s.length; t++) {
                b.ids[r][off + t] = s[t];
                b.positions[r][off + t] = t;
                b.segment[r][off + t] = 0;
            }
        }
        return b;
    }

    /**
     * Packs rows given as lists of examples: row r holds {@code rows.get(r)} back to back, each a segment of its own.
     */
    public static TokenBatch packed(List<List<int[]>> rowsOfExamples, int len) {
        TokenBatch b = new TokenBatch(rowsOfExamples.size(), len);
        for (int r = 0; r < rowsOfExamples.size(); r++) {
            int o = 0, seg = 0;
            for (int[] s : rowsOfExamples.get(r)) {
                if (o + s.length > len) throw new IllegalArgumentException("row " + r + " overflows the batch length " + len);
                for (int t = 0; t < s.length; t++) {
                    b.ids[r][o + t] = s[t];
                    b.positions[r][o + t] = t;
                    b.segment[r][o + t] = seg;
                }
                o += s.length;
                seg++;
            }
        }
        return b;
    }

    /** Replaces ids that are not embeddable (the PAD id) in real slots is a caller error; padding slots already hold 0. */
    public void checkIds(int vocab) {
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < len; t++)
                if (real(r, t) && (ids[r][t] < 0 || ids[r][t] >= vocab))
                    throw new IllegalArgumentException("token id " + ids[r][t] + " at row " + r + ", position " + t + " is outside the vocabulary of " + vocab);
    }

    public INDArray idsArray() {
        return Nd4j.createFromArray(ids).castTo(DataType.INT);
    }

    public INDArray positionsArray() {
        return Nd4j.createFromArray(positions).castTo(DataType.INT);
    }

    /** (rows, 1, len, len) additive bias: query t sees key s iff s ≤ t, same segment, and s is real
     * (a padding query sees only itself). */
    public INDArray attentionBias(DataType dtype) {
        float[] data = new float[rows * len * len];
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < len; q++)
                for (int s = 0; s < len; s++) {
                    // A padding query sees only itself, so its softmax row is never all-masked (which gives NaN).
                    boolean visible = s == q || (s < q && segment[r][s] >= 0 && segment[r][s] == segment[r][q]);
                    data[(r * len + q) * len + s] = visible ? 0f : MASKED;
                }
        return Nd4j.create(data, new long[] {rows, 1, len, len}, 'c').castTo(dtype);
    }

    /** real[r][t] as an array of flags, for {@link org.rlhf4j.policy.engine.Decoder#advance}. */
    public boolean[][] realFlags() {
        boolean[][] f = new boolean[rows][len];
        for (int r = 0; r < rows; r++) for (int t = 0; t < len; t++) f[r][t] = real(r, t);
        return f;
    }

    /**
     * Next-token targets and which of them count: target (r, t) is the id at t+1 when t and t+1 are real slots of the
     * same segment, and {@code weight} says whether to train on it; other targets are 0 with weight false.
     *
     * @param trainOn (rows, len) per-slot flag for the token being predicted (e.g. the assistant mask); null = all
     */
    public Targets nextTokenTargets(boolean[][] trainOn) {
        int[][] tgt = new int[rows][len];
        boolean[][] use = new boolean[rows][len];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t + 1 < len; t++) {
                boolean sameSeg = segment[r][t] >= 0 && segment[r][t] == segment[r][t + 1];
                if (sameSeg && (trainOn == null || trainOn[r][t + 1])) {
                    tgt[r][t] = ids[r][t + 1];
                    use[r][t] = true;
                }
            }
        return new Targets(tgt, use);
    }

    /** Next-token targets with a per-slot flag; see {@link #nextTokenTargets}. */
    public record Targets(int[][] ids, boolean[][] use) {
        public int count() {
            int n = 0;
            for (boolean[] row : use) for (boolean b : row) if (b) n++;
            return n;
        }

        public INDArray idsArray() {
            return Nd4j.createFromArray(ids).castTo(DataType.INT);
        }

        /** (rows·len) 1/0 weights, flat in the graph's row-major order. */
        public INDArray maskArray(DataType dtype) {
            int rows = ids.length, len = ids[0].length;
            float[] m = new float[rows * len];
            for (int r = 0; r < rows; r++) for (int t = 0; t < len; t++) m[r * len + t] = use[r][t] ? 1f : 0f;
            return Nd4j.create(m, new long[] {(long) rows * len}, 'c').castTo(dtype);
        }
    }
}
