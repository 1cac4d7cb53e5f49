package org.rlhf4j.reward;

import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.LossMode;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.policy.Nd4jDefaults;

/** The pair-loss part alone, with rewards fed directly: hand-computed values, both weightings, log-sigmoid. */
class PairLossTest {
    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    /** A prompt whose K rows are dummies: the loss part never reads them. */
    static RankedPrompt prompt(List<Integer> ranking) {
        List<String> responses = new java.util.ArrayList<>();
        List<int[]> rows = new java.util.ArrayList<>();
        for (int i = 0; i < ranking.size(); i++) {
            responses.add("response " + i);
            rows.add(new int[] {1, 2});
        }
        return new RankedPrompt(new Ranking("p", responses, ranking, "ann"), rows, 1);
    }

    /** The graph's loss for rewards fed as a placeholder [R]. */
    static double graphLoss(PairBatch b, double[] rewards, double margin) {
        SameDiff sd = SameDiff.create();
        SDVariable r = sd.placeHolder("r", DataType.DOUBLE, -1);
        SDVariable loss = PairLoss.pairLoss(sd, r, margin);
        Map<String, INDArray> f = new java.util.HashMap<>(PairLoss.pairFeeds(b, DataType.DOUBLE));
        f.put("r", Nd4j.createFromArray(rewards));
        return sd.output(f, loss.name()).get(loss.name()).getDouble(0);
    }

    @Test
    void kEquals3MatchesAHandComputation() {
        // ranking [2, 0, 1]: pairs (2>0), (2>1), (0>1); rewards r0 = 0.5, r1 = -1, r2 = 2 → Δ = 1.5, 3.0, 1.5
        PairBatch b = PairBatch.of(List.of(prompt(List.of(2, 0, 1))), LossMode.GROUPED);
        double[] r = {0.5, -1.0, 2.0};
        // −(1/3)·Σ log σ(Δ) = (2·log(1 + e^−1.5) + log(1 + e^−3)) / 3 = (2·0.2014132779827524 + 0.04858735157374206) / 3
        double expected = (2 * 0.2014132779827524 + 0.04858735157374206) / 3;
        assertEquals(0.1504713025130823, expected, 1e-15);
        assertEquals(expected, PairLoss.loss(r, b, 0), 1e-12);
        assertEquals(expected, graphLoss(b, r, 0), 1e-12);
        // margin 0.5: Δ − m = 1.0, 2.5, 1.0 → (2·log(1 + e^−1) + log(1 + e^−2.5)) / 3
        double withMargin = (2 * 0.31326168751822286 + 0.07888973429254963) / 3;
        assertEquals(withMargin, PairLoss.loss(r, b, 0.5), 1e-12);
        assertEquals(withMargin, graphLoss(b, r, 0.5), 1e-12);
    }

    @Test
    void onOnePromptGroupedEqualsTheMeanOfIndependentPairLosses() {
        PairBatch grouped = PairBatch.of(List.of(prompt(List.of(3, 1, 0, 2))), LossMode.GROUPED);
        PairBatch independent = PairBatch.of(List.of(prompt(List.of(3, 1, 0, 2))), LossMode.INDEPENDENT);
        double[] r = {0.3, -0.7, 1.1, 0.2};
        double mean = 0;
        for (int p = 0; p < independent.pairs(); p++) mean -= PairLoss.logSigmoid(r[independent.winner()[p]] - r[independent.loser()[p]]) / 6;
        assertEquals(6, independent.pairs());
        assertEquals(mean, PairLoss.loss(r, grouped, 0), 1e-12);
        assertEquals(mean, PairLoss.loss(r, independent, 0), 1e-12);
        assertEquals(mean, graphLoss(grouped, r, 0), 1e-12);
    }

    @Test
    void groupedWeighsPromptsEquallyAndIndependentWeighsPairsEqually() {
        // prompt A, K = 2: r = (1, 0), Δ = 1 → loss log(1 + e^−1); prompt B, K = 4: all rewards 0 → 6 pairs of log 2
        List<RankedPrompt> batch = List.of(prompt(List.of(0, 1)), prompt(List.of(0, 1, 2, 3)));
        double[] r = {1, 0, 0, 0, 0, 0};
        double a = 0.31326168751822286, ln2 = 0.6931471805599453;
        double grouped = (a + ln2) / 2, independent = (a + 6 * ln2) / 7;
        assertEquals(0.5032044340390841, grouped, 1e-15);
        assertEquals(0.6388778244111277, independent, 1e-15);
        PairBatch g = PairBatch.of(batch, LossMode.GROUPED), i = PairBatch.of(batch, LossMode.INDEPENDENT);
        assertEquals(grouped, PairLoss.loss(r, g, 0), 1e-12);
        assertEquals(grouped, graphLoss(g, r, 0), 1e-12);
        assertEquals(independent, PairLoss.loss(r, i, 0), 1e-12);
        assertEquals(independent, graphLoss(i, r, 0), 1e-12);
        assertTrue(Math.abs(grouped - independent) > 0.1);
        // the weights themselves: grouped 1/(1·2) for A's pair and 1/(6·2) for each of B's; independent 1/7 each
        assertArrayEquals(new double[] {0.5, 1 / 12.0, 1 / 12.0, 1 / 12.0, 1 / 12.0, 1 / 12.0, 1 / 12.0}, g.weight(), 1e-15);
        for (double w : i.weight()) assertEquals(1 / 7.0, w, 1e-15);
    }

    @Test
    void logSigmoidIsStableAndItsGradientIsSigmoidOfMinusXEverywhereIncludingZero() {
        double[] xs = {-800, -3, -1e-9, 0, 1e-9, 2, 800};
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.createFromArray(xs));
        SDVariable loss = PairLoss.logSigmoid(sd, x).sum();
        sd.setLossVariables(loss);
        double[] value = PairLoss.logSigmoid(sd, x).eval().toDoubleVector();
        double[] grad = sd.calculateGradients(Map.of(), "x").get("x").toDoubleVector();
        for (int j = 0; j < xs.length; j++) {
            double exact = -Math.log1p(Math.exp(-xs[j]));
            if (Double.isInfinite(exact)) exact = xs[j]; // log σ(−800) = −800 to double precision
            assertEquals(exact, value[j], 1e-12, "log σ(" + xs[j] + ")");
            assertEquals(exact, PairLoss.logSigmoid(xs[j]), 1e-12);
            assertEquals(1 / (1 + Math.exp(xs[j])), grad[j], 1e-12, "d log σ/dx at " + xs[j]);
        }
        assertEquals(0.5, grad[3], 0, "the gradient at exactly 0 is σ(0)");
    }
}
