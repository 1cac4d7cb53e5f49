package org.rlhf4j.policy.engine;

import org.rlhf4j.policy.model.TokenBatch;

/**
 * What one forward pass reads and what it should produce, flat over [rows · len] slots.
 *
 * @param rows        B
 * @param len         T
 * @param ids         token id per slot (0 in padding)
 * @param positions   position id per slot
 * @param start       per slot, the first key position its query may see: the first token of its segment (packed rows
 *                    and left padding), or the slot itself for padding, so attention never crosses a segment
 * @param targets     per slot, the token whose log-probability to produce there (−1: none); the LM head runs only on
 *                    slots with a target
 * @param temperature log-probabilities (and entropy) are of softmax(logits / temperature)
 * @param entropy     also produce the entropy at every slot with a target
 * @param values      produce the value head at every slot
 * @param rewardAt    per row, the slot index within the row whose reward head to produce (−1: none); null: no reward
 */
public record EngineBatch(int rows, int len, int[] ids, int[] positions, int[] start, int[] targets, double temperature,
                          boolean entropy, boolean values, int[] rewardAt) {
    public EngineBatch {
        int n = rows * len;
        if (ids.length != n || positions.length != n || start.length != n || targets.length != n)
            throw new IllegalArgumentException("every per-slot array needs rows·len = " + n + " entries");
        if (rewardAt != null && rewardAt.length != rows) throw new IllegalArgumentException("rewardAt needs one entry per row");
        if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0");
    }

    /** Padded lengths are multiples of this (see {@link #paddedLength}). */
    public static final int LENGTH_BUCKET = 32;

    /**
     * The length to right-pad a micro-batch to: its longest sequence rounded up to a multiple of
     * {@value #LENGTH_BUCKET}, at most {@code max}. With causal attention, right padding never changes a real token's
     * outputs, so a shorter batch only saves the work done on padding; the bucketing keeps the number of distinct
     * shapes (and arena re-carvings) small.
     */
    public static int paddedLength(int longest, int max) {
        return Math.min(max, (longest + LENGTH_BUCKET - 1) / LENGTH_BUCKET * LENGTH_BUCKET);
    }

    /** The model inputs of a token batch, with no outputs asked for yet. */
    public static EngineBatch of(TokenBatch b) {
        int n = b.rows * b.len;
        int[] ids = new int[n], pos = new int[n], start = new int[n], targets = new int[n];
        java.util.Arrays.fill(targets, -1);
        for (int r = 0; r < b.rows; r++)
            for (int t = 0; t < b.len; t++) {
                int i = r * b.len + t;
                ids[i] = b.ids[r][t];
                pos[i] = b.positions[r][t];
                if (!b.real(r, t)) start[i] = t;
                else start[i] = t > 0 && b.segment[r][t - 1] == b.segment[r][t] ? start[i - 1] : t;
            }
        return new EngineBatch(b.rows, b.len, ids, pos, start, targets, 1.0, false, false, null);
    }

    /** Next-token targets as {@link TokenBatch#nextTokenTargets} counts them (slot t predicts the token at t + 1). */
    public EngineBatch withTargets(TokenBatch.Targets t) {
        int[] tg = new int[rows * len];
        for (int r = 0; r < rows; r++) for (int s = 0; s < len; s++) tg[r * len + s] = t.use()[r][s] ? t.ids()[r][s] : -1;
        return withTargets(tg);
    }

    public EngineBatch withTargets(int[] t) {
        return new EngineBatch(rows, len, ids, positions, start, t, temperature, entropy, values, rewardAt);
    }

    public EngineBatch withTemperature(double temp, boolean withEntropy) {
        return new EngineBatch(rows, len, ids, positions, start, targets, temp, withEntropy, values, rewardAt);
    }

    public EngineBatch withValues() {
        return new EngineBatch(rows, len, ids, positions, start, targets, temperature, entropy, true, rewardAt);
    }

    public EngineBatch withRewardAt(int[] at) {
        return new EngineBatch(rows, len, ids, positions, start, targets, temperature, entropy, values, at);
    }

    /** Slots that have a target. */
    public int targetCount() {
        int m = 0;
        for (int t : targets) if (t >= 0) m++;
        return m;
    }
}
