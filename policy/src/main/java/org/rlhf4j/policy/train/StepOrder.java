package org.rlhf4j.policy.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The examples of each optimizer step as a pure function of (seed, step), so that a resumed run sees exactly the
 * data it would have seen: epoch e is the examples shuffled with a seed derived from (seed, e), and step s takes items
 * [s·B, (s+1)·B) of the concatenated epochs. Used by the stages that learn from rankings (reward model, DPO).
 */
public final class StepOrder<T> {
    private final List<T> items;
    private final int batchSize;
    private final long seed;
    private final Map<Integer, List<T>> epochs = new HashMap<>();

    public StepOrder(List<T> items, int batchSize, long seed) {
        if (items.isEmpty()) throw new IllegalArgumentException("no examples to order");
        this.items = items;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    private List<T> epoch(int e) {
        return epochs.computeIfAbsent(e, k -> SeededShuffle.shuffled(items, seed * 1_000_003L + k));
    }

    /** The B examples of optimizer step {@code step}. */
    public List<T> at(long step) {
        List<T> out = new ArrayList<>();
        long first = step * batchSize;
        int e = (int) (first / items.size());
        long idx = first % items.size();
        while (out.size() < batchSize) {
            out.add(epoch(e).get((int) idx));
            if (++idx == items.size()) {
                idx = 0;
                epochs.remove(e - 1);
                e++;
            }
        }
        return out;
    }
}
