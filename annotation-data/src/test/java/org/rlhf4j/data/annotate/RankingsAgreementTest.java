package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.Ranking;

/** Agreement between people, counted by hand on small files. */
class RankingsAgreementTest {
    private static Ranking r(String id, String who, Integer... ranking) {
        List<String> responses = List.of("a", "b", "c", "d").subList(0, ranking.length);
        return new Ranking(id, "Prompt " + id, responses, List.of(ranking), who, null, null, null, null, null, null);
    }

    @Test
    void countsAgreeingResponsePairsPerPairOfPeople() {
        List<Ranking> rankings = List.of(
                r("q1", "ann", 0, 1, 2, 3), r("q1", "ben", 0, 1, 3, 2), r("q1", "cy", 3, 2, 1, 0),
                r("q2", "ann", 1, 0), r("q2", "ben", 1, 0),
                r("q3", "dee", 0, 1), // ranked once: not compared
                r("q1", "ann", 3, 2, 1, 0)); // ann's second ranking of q1 is ignored
        RankingsAgreement a = RankingsAgreement.of(rankings);
        assertEquals(List.of("ann", "ben", "cy"), a.annotators());
        assertEquals(2, a.items());
        // q1: ann/ben agree on 5 of 6 pairs (not c-d), ann/cy on 0, ben/cy on 1 (c-d); q2: ann/ben agree on 1 of 1
        assertEquals(6 / 7.0, a.agreement("ann", "ben"), 1e-12);
        assertEquals(0.0, a.agreement("ann", "cy"), 1e-12);
        assertEquals(1 / 6.0, a.agreement("cy", "ben"), 1e-12);
        assertTrue(Double.isNaN(a.agreement("ann", "dee")));
        assertEquals(19, a.responsePairs());
        assertEquals(7 / 19.0, a.overall(), 1e-12);
        String table = a.table();
        assertTrue(table.contains("85.7% (7)"), table);
        assertTrue(table.contains("agreement between different annotators: 36.8 % over 19 response pairs from 2 items"), table);
    }

    @Test
    void nothingSharedNothingToCompare() {
        RankingsAgreement a = RankingsAgreement.of(List.of(r("q1", "ann", 0, 1), r("q2", "ben", 1, 0)));
        assertEquals(0, a.items());
        assertEquals(List.of(), a.annotators());
        assertTrue(Double.isNaN(a.overall()));
    }
}
