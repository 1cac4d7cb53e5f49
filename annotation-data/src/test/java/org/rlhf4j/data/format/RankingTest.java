package org.rlhf4j.data.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RankingTest {

    @Test
    void pairsOfARankingOfThree() {
        // Ranking [2, 0, 1]: response 2 best, then 0, then 1.
        Ranking r = new Ranking("p", List.of("a", "b", "c"), List.of(2, 0, 1), "ann");
        assertEquals(3, r.k());
        assertEquals(List.of(new RankedPair(2, 0, 1), new RankedPair(2, 1, 2), new RankedPair(0, 1, 1)), r.pairs());
        assertEquals("c", r.responseAtRank(0));
        assertEquals(0, r.rankOf(2));
        assertEquals(2, r.rankOf(1));
    }

    @Test
    void pairCountsAndDistancesForEveryK() {
        for (int k = Ranking.MIN_K; k <= Ranking.MAX_K; k++) {
            List<String> responses = new ArrayList<>();
            List<Integer> ranking = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                responses.add("r" + i);
                ranking.add(k - 1 - i);
            }
            List<RankedPair> pairs = new Ranking("p", responses, ranking, "ann").pairs();
            assertEquals(k * (k - 1) / 2, pairs.size(), "C(K,2) for K=" + k);
            // Distance d occurs K-d times, so the distances sum to sum_d d(K-d) = (K-1)K(K+1)/6.
            assertEquals((k - 1) * k * (k + 1) / 6, pairs.stream().mapToInt(RankedPair::rankDistance).sum());
            // Reversed ranking: the higher index always wins.
            pairs.forEach(p -> assertTrue(p.winner() > p.loser(), p.toString()));
        }
        // K=4 by hand: places (0,1) (0,2) (0,3) (1,2) (1,3) (2,3) are 1, 2, 3, 1, 2, 1 apart, 10 in all.
        List<RankedPair> four = new Ranking("p", List.of("a", "b", "c", "d"), List.of(1, 3, 0, 2), "ann").pairs();
        assertEquals(List.of(new RankedPair(1, 3, 1), new RankedPair(1, 0, 2), new RankedPair(1, 2, 3),
                new RankedPair(3, 0, 1), new RankedPair(3, 2, 2), new RankedPair(0, 2, 1)), four);
    }

    @Test
    void constructorRejectsWhatTheValidatorReports() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Ranking("p", List.of("a", "a", "b"), List.of(0, 0, 1), "ann"));
        assertEquals("invalid ranking: \"responses[1]\" is identical to \"responses[0]\";"
                + " \"ranking\" is not a permutation of 0..2: [0, 0, 1] (repeated: 0; missing: 2)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Ranking("p", List.of("a"), List.of(0), "ann"));
        assertThrows(IllegalArgumentException.class, () -> new Ranking("p", List.of("a", "b"), List.of(0, 1), " "));
        assertThrows(NullPointerException.class, () -> new Ranking(null, List.of("a", "b"), List.of(0, 1), "ann"));
        assertThrows(IllegalArgumentException.class, () -> new Ranking(null, "p", List.of("a", "b"), List.of(0, 1), "ann",
                null, null, null, null, null, List.of(true)));
    }

    @Test
    void flagsAreImmutableSetsInDeclarationOrder() {
        Ranking r = new Ranking(null, "p", List.of("a", "b"), List.of(0, 1), "ann", null, null, null, null,
                List.of(Set.of(), Set.of(Flag.NOT_FOLLOWING, Flag.HARMFUL)), null);
        assertEquals(List.of(Flag.HARMFUL, Flag.NOT_FOLLOWING), new ArrayList<>(r.flags().get(1)));
        assertThrows(UnsupportedOperationException.class, () -> r.flags().get(0).add(Flag.HARMFUL));
    }
}
