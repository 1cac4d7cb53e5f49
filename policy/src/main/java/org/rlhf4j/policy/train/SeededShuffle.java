package org.rlhf4j.policy.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded Fisher–Yates shuffles on java.util.SplittableRandom, so every stage's data order is a pure function of its
 * seed and stable across JDKs (which is what makes {@code --resume} exact). Used by SFT, the reward model and PPO.
 */
public final class SeededShuffle {
    private SeededShuffle() {}

    public static <T> List<T> shuffled(List<T> items, long seed) {
        List<T> l = new ArrayList<>(items);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = l.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = l.get(i);
            l.set(i, l.get(j));
            l.set(j, t);
        }
        return l;
    }

    /** A permutation of 0..n−1 (the same draws as {@link #shuffled} of the list 0..n−1). */
    public static int[] permutation(int n, long seed) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) o[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }
}
