package org.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RewardsTest {
    @Test
    void eosPenaltyReplacesExactlyTheScoresOfResponsesWithoutEos() {
        double[] scores = {1, 2, 3, 4, 5};
        boolean[] eos = {true, false, true, false, true};
        assertArrayEquals(new double[] {1, -1.5, 3, -1.5, 5}, Rewards.withMissingEosPenalty(scores, eos, -1.5));
        assertArrayEquals(scores, Rewards.withMissingEosPenalty(scores, eos, null), "null = off");
        assertArrayEquals(new double[] {1, 2, 3, 4, 5}, scores, "input untouched");
    }

    @Test
    void finalScoresApplyPenaltyAfterNormalisationAndClipLast() {
        PpoConfig.Reward cfg = new PpoConfig.Reward(-20.0, 10.0, false);
        double[] s = Rewards.finalScores(new double[] {3, 30, 4}, new boolean[] {true, true, false}, cfg, new Rewards.RunningMoments());
        assertArrayEquals(new double[] {3, 10, -10}, s, "clip ±10 applies to the penalty too");

        PpoConfig.Reward norm = new PpoConfig.Reward(-1.0, 0.0, true);
        Rewards.RunningMoments stats = new Rewards.RunningMoments();
        double[] n = Rewards.finalScores(new double[] {1, 3, 100}, new boolean[] {true, true, false}, norm, stats);
        assertEquals(2, stats.count(), "the replaced score does not enter the statistics");
        assertArrayEquals(new double[] {-1, 1, -1.0}, n, 1e-12);     // mean 2, std 1
    }

    @Test
    void perTokenRewardIsKlPenaltyEverywhereAndScoreAtTheLastRealToken() {
        double[][] lp = {{-1, -2, -3}, {-0.5, -0.5, 0}};
        double[][] ref = {{-1.5, -2, -2}, {-1, -0.25, 0}};
        boolean[][] m = {{true, true, true}, {true, true, false}};
        double[][] r = Rewards.perToken(lp, ref, m, new double[] {2.0, -1.0}, 0.1);
        assertArrayEquals(new double[] {-0.1 * 0.5, 0, -0.1 * -1 + 2.0}, r[0], 1e-12);
        assertArrayEquals(new double[] {-0.1 * 0.5, -0.1 * -0.25 - 1.0, 0}, r[1], 1e-12);
    }

    @Test
    void runningMomentsMatchTheDirectFormulaAndRoundTrip() {
        Rewards.RunningMoments m = new Rewards.RunningMoments();
        double[] x = {0.5, -1, 2, 7, 3.25};
        for (double v : x) m.add(v);
        double mean = 2.35, var = 0;
        for (double v : x) var += (v - mean) * (v - mean);
        assertEquals(mean, m.mean(), 1e-12);
        assertEquals(Math.sqrt(var / x.length), m.std(), 1e-12);
        Rewards.RunningMoments back = Rewards.RunningMoments.fromJson(m.toJson());
        assertEquals(m.mean(), back.mean());
        assertEquals(m.std(), back.std());
        assertEquals(m.count(), back.count());
    }
}
