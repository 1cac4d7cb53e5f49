package org.rlhf4j.data.world;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnnotatorPoolTest {

    private static final AnnotatorPool POOL = AnnotatorPool.defaultPool();
    private static final PromptInfo SUM = new PromptInfo("ari-1", "arithmetic",
            "Tom has 3 apples and gets 4 more. How many apples does Tom have?", Map.of("answer", 7));

    @Test
    void utilityAddsTheTastes() {
        Annotator a = new Annotator("x", 0.1, 0.06, 0.06, 1.0, 0.05);
        // 0.5 + 0.06 * 3/120 + 0.06 (exclamation) + 1.0 * 0.15 (no EOS forgiven) + 0 (no refusal)
        assertEquals(0.7115, a.utility(0.5, "Hi!", false), 1e-12);
        // 0.5 + 0.06 * 38/120 + 0 + 0 + 0.05 (refusal)
        assertEquals(0.5 + 0.06 * 38 / 120 + 0.05, a.utility(0.5, "I'm sorry, but I can't help with that.", true), 1e-12);
    }

    @Test
    void pairwiseChoicesFollowTheLogisticOfTheUtilityGap() {
        Annotator a = new Annotator("x", 0.1, 0, 0, 0, 0);
        Random rng = new Random(3);
        int wins = 0;
        int trials = 40_000;
        for (int t = 0; t < trials; t++) {
            if (a.perceived(0.6, rng) > a.perceived(0.5, rng)) {
                wins++;
            }
        }
        // P = 1 / (1 + exp(-0.1 / 0.1)) = 0.7311
        assertEquals(0.7311, wins / (double) trials, 0.01);
    }

    @Test
    void rankingIsAPermutationAndReproducible() {
        List<String> responses = List.of("Tom has 7 apples.", "Tom has 8 apples.", "I do not know.", "7 7 7 7 7 7", "Tom has");
        List<Boolean> eos = List.of(true, true, true, false, false);
        for (int seed = 0; seed < 50; seed++) {
            RankResult result = POOL.rank(SUM, responses, eos, new Random(seed));
            List<Integer> sorted = new ArrayList<>(result.ranking());
            sorted.sort(null);
            assertEquals(List.of(0, 1, 2, 3, 4), sorted);
            assertEquals(result, POOL.rank(SUM, responses, eos, new Random(seed)));
            assertTrue(POOL.annotators().stream().anyMatch(a -> a.id().equals(result.annotator())));
        }
    }

    @Test
    void betterResponsesWinMostComparisons() {
        Random rng = new Random(11);
        int firstWins = 0;
        for (int t = 0; t < 2000; t++) {
            if (POOL.compare(SUM, "Tom has 7 apples.", true, "Tom has 8 apples.", true, rng).firstWins()) {
                firstWins++;
            }
        }
        // gold 1.0 vs 0.55: a gap of 0.45 is about 2.8 noise units, so the better one wins about 94 % of the time
        assertTrue(firstWins > 0.85 * 2000, "first won " + firstWins);
    }

    @Test
    void agreementIsNearInstructGptLabellers() {
        AgreementReport report = AnnotatorAgreement.measureDefault(1);
        assertEquals(AgreementReport.INSTRUCTGPT_AGREEMENT, report.mean(), 0.03, report.table());
        assertTrue(report.table().contains("mean agreement"));
        assertTrue(POOL.annotators().size() >= 5);
    }

    @Test
    void noiselessAnnotatorsAgreeMoreThanNoisyOnes() {
        List<EmbeddedTaskWorld.Demonstration> demos = EmbeddedTaskWorld.demonstrations("validation").subList(0, 60);
        double quiet = AnnotatorAgreement.measure(new AnnotatorPool(AnnotatorPool.defaultAnnotators(0.02), POOL.judge()), demos, 5).mean();
        double loud = AnnotatorAgreement.measure(new AnnotatorPool(AnnotatorPool.defaultAnnotators(1.0), POOL.judge()), demos, 5).mean();
        assertTrue(quiet > 0.9 && loud < 0.6, "quiet " + quiet + ", loud " + loud);
    }
}
