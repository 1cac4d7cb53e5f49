package org.rlhf4j.data.annotate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * How a team labels one candidates file: how many different people rank each item, which items, how long an item
 * stays reserved for the person it was shown to, and in which order each person sees the responses.
 *
 * @param overlap          R, the number of different annotators who rank each overlapped item (1: every item once)
 * @param overlapFraction  the share of items ranked R times (InstructGPT-style agreement sampling); the rest is ranked
 *                         once. Which items: the first round(fraction × items) of the file's items shuffled by
 *                         {@code seed}, so the same file and seed always overlap the same items
 * @param seed             chooses the overlapped items and each person's order of the responses
 * @param lease            how long an item handed out by {@code GET /api/next} is reserved for that person; an item
 *                         whose lease runs out goes back to the pool
 * @param defaultAnnotator the name of a request that gives none (a one-person server, scripts); null: a name is required
 */
public record LabelPlan(int overlap, double overlapFraction, long seed, Duration lease, String defaultAnnotator) {
    /** Most rankings of one item a plan may ask for. */
    public static final int MAX_OVERLAP = 50;
    /** The lease when none is given: long enough to read and rank nine responses, short enough to recover. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(20);

    public LabelPlan {
        if (overlap < 1 || overlap > MAX_OVERLAP)
            throw new IllegalArgumentException("the overlap must be between 1 and " + MAX_OVERLAP + ", got " + overlap);
        if (!(overlapFraction >= 0 && overlapFraction <= 1))
            throw new IllegalArgumentException("the overlap fraction must be between 0 and 1, got " + overlapFraction);
        if (lease == null || lease.isNegative() || lease.isZero())
            throw new IllegalArgumentException("the lease must be a positive duration, got " + lease);
        if (defaultAnnotator != null)
            AnnotatorNames.problem(defaultAnnotator).ifPresent(p -> {
                throw new IllegalArgumentException(p);
            });
    }

    /** One ranking per item; requests without a name are {@code annotator}'s (null: a name is required). */
    public static LabelPlan single(String annotator) {
        return new LabelPlan(1, 1.0, 1, DEFAULT_LEASE, annotator);
    }

    /** How many items of {@code itemCount} are overlapped. */
    public int overlappedCount(int itemCount) {
        return overlap == 1 ? 0 : (int) Math.round(overlapFraction * itemCount);
    }

    /** For each of the file's {@code itemCount} items, in file order, the rankings wanted: R when it is overlapped, else 1. */
    public int[] targets(int itemCount) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, itemCount).boxed().toList());
        Collections.shuffle(order, new Random(seed));
        int[] targets = new int[itemCount];
        Arrays.fill(targets, 1);
        for (int i : order.subList(0, overlappedCount(itemCount))) targets[i] = overlap;
        return targets;
    }

    /**
     * The order in which {@code annotator} is shown the {@code k} responses of item {@code id}, top first (response
     * indices). A shuffle drawn from the seed, the name and the id: a person sees the same order each time the item is
     * shown (a reload, a restarted server), and different people see independent orders, so the place a response is
     * shown in does not bias its ranking.
     */
    public List<Integer> shownOrder(String annotator, String id, int k) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L * fingerprint(annotator) ^ fingerprint(id));
        List<Integer> order = new ArrayList<>(IntStream.range(0, k).boxed().toList());
        for (int i = k - 1; i > 0; i--) Collections.swap(order, i, random.nextInt(i + 1));
        return List.copyOf(order);
    }

    /** 64-bit FNV-1a of the UTF-8 bytes: a hash fixed by the text alone (no JVM or run dependence). */
    private static long fingerprint(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
