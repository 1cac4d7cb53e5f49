package org.rlhf4j.ppo;

import java.util.SplittableRandom;

/**
 * Seeded permutations and seed mixing (java.util.SplittableRandom, so orders are stable across JDKs). Everything random
 * in PPO is a pure function of (seed, iteration, …), which is what makes {@code --resume} exact.
 */
final class SeededOrder {
    private SeededOrder() {}

    /** A Fisher–Yates permutation of 0..n−1. */
    static int[] permutation(int n, long seed) {
        return org.rlhf4j.policy.train.SeededShuffle.permutation(n, seed);
    }

    /** A seed for (seed, a, b, purpose), well mixed. */
    static long mix(long seed, long a, long b, long purpose) {
        return new SplittableRandom(seed ^ (a * 0x9E3779B97F4A7C15L) ^ (b * 0xC2B2AE3D27D4EB4FL) ^ (purpose * 0x165667B19E3779F9L)).nextLong();
    }
}
