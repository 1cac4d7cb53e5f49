package org.rlhf4j.reward;

import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.LossMode;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptGraph;
import org.rlhf4j.policy.train.GradientCheck;
import org.rlhf4j.policy.train.LoopConfig;
import org.rlhf4j.policy.train.OptimConfig;
import org.rlhf4j.policy.train.TrainGraph;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.engine.TokenLoss;
import org.rlhf4j.policy.train.TrainLoop;

/** The full loss through the model: rows fed, reward readout, invariances, gradients. */
class RewardGraphTest {
    static final int CTX = 32;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static RankedPrompt rendered(Policy p, Ranking r) {
        return RankedPrompt.prepare(List.of(r), p.chat(), CTX).prompts().get(0);
    }

    static Ranking k3() {
        return new Ranking("hi", List.of("ab", "b", "cca"), List.of(2, 0, 1), "ann");
    }

    static Ranking k4() {
        return new Ranking("yo", List.of("x", "aa", "bab", "c"), List.of(1, 3, 2, 0), "ann");
    }

    /** One forward pass of the training graph: the loss and the rewards of the rows. */
    static double[] lossAndRewards(TrainGraph g, PairBatch b, List<double[]> rewardsOut) {
        Map<String, INDArray> f = PairLoss.feeds(b, CTX, DataType.DOUBLE);
        TrainGraph.Result r = g.run(f, PairLoss.REWARDS);
        rewardsOut.add(r.outputs().get(PairLoss.REWARDS).toDoubleVector());
        return new double[] {r.loss()};
    }

    @Test
    void aShorterPaddedGraphGivesTheSameLossAndGradients() {
        // the training loop pads each micro-batch only to TrainGraph.paddedLength of its longest row
        int longer = CTX + 16;
        Policy p = Tiny.policy(longer, 5, DataType.DOUBLE, true);
        PairBatch b = PairBatch.of(List.of(rendered(p, k3()), rendered(p, k4())), LossMode.GROUPED);    // rows fit in CTX
        TrainGraph.Result full = new TrainGraph(p.weights(), longer, PairLoss.builder(0.2)).run(PairLoss.feeds(b, longer, DataType.DOUBLE));
        TrainGraph.Result cut = new TrainGraph(p.weights(), CTX, PairLoss.builder(0.2)).run(PairLoss.feeds(b, CTX, DataType.DOUBLE));
        assertEquals(full.loss(), cut.loss(), 1e-12);
        for (String name : p.weights().names())
            assertEquals(0.0, full.gradients().get(name).sub(cut.gradients().get(name)).amaxNumber().doubleValue(), 1e-12, name);
    }

    @Test
    void eachResponseIsOneRowAndTheGraphAgreesWithThePlainLossOnItsRewards() {
        Policy p = Tiny.policy(CTX, 5, DataType.DOUBLE, true);
        List<RankedPrompt> prompts = List.of(rendered(p, k3()), rendered(p, k4()));
        PairBatch b = PairBatch.of(prompts, LossMode.GROUPED);
        Map<String, INDArray> f = PairLoss.feeds(b, CTX, DataType.DOUBLE);
        // K rows per prompt (3 + 4), not C(K,2) (3 + 6)
        assertEquals(7, b.rows().size());
        assertEquals(9, b.pairs());
        assertArrayEquals(new long[] {7, CTX}, f.get(GptGraph.TOKENS).shape());
        assertArrayEquals(new long[] {9, 7}, f.get(PairLoss.PAIRS).shape());
        TrainGraph g = new TrainGraph(p.weights(), CTX, PairLoss.builder(0.2));
        List<double[]> rewards = new ArrayList<>();
        double loss = lossAndRewards(g, b, rewards)[0];
        double[] r = rewards.get(0);
        assertEquals(7, r.length, "one reward per row");
        assertEquals(PairLoss.loss(r, b, 0.2), loss, 1e-10);
        // the graph's rewards are the head at each row's EOS, as inference computes them
        double[] inference = RewardScorer.scores(p, b.rows());
        float[] viaPolicy = p.score(b.rows(), 1.0, false, true).lastReward();
        for (int i = 0; i < r.length; i++) {
            assertEquals(inference[i], r[i], 1e-9);
            assertEquals(viaPolicy[i], r[i], 1e-5);
        }
        assertTrue(new java.util.HashSet<>(java.util.Arrays.stream(r).boxed().toList()).size() == 7, "rewards differ between rows");
    }

    @Test
    void theStepFeedsOneRowPerResponseAcrossItsMicroBatches() {
        Policy p = Tiny.policy(CTX, 5, DataType.DOUBLE, false);
        List<RankedPrompt> train = RankedPrompt.prepare(Tiny.moreA(10, 4, 3, 1), p.chat(), CTX).prompts();
        LoopConfig loop = new LoopConfig(3, 4, 2, 1, 1, 1, new OptimConfig(1e-3, 0, 0, 0, 0.9, 0.95, 1e-8, 1));
        RewardTask task = new RewardTask(train, train, null, CTX, LossMode.GROUPED, 0, loop, 3, DataType.DOUBLE);
        TrainLoop.Batch batch = task.batch(1);
        assertEquals(2, batch.micro().size());
        long rows = 0;
        for (TrainLoop.Micro m : batch.micro()) {
            rows += m.batch().rows();
            assertEquals(m.batch().rows(), m.batch().rewardAt().length, "one reward per row");
        }
        assertEquals(4 * 4, rows, "K = 4 rows for each of the 4 prompts");
        assertEquals(4 * 6, PairBatch.pairCount(task.prompts(1)), "C(4,2) = 6 pairs each");
        assertEquals(task.prompts(1), task.prompts(1), "the data order is a pure function of the step");
    }

    @Test
    void theLossDoesNotDependOnTheOrderResponsesAreListedIn() {
        Policy p = Tiny.policy(CTX, 9, DataType.DOUBLE, true);
        TrainGraph g = new TrainGraph(p.weights(), CTX, PairLoss.builder(0));
        // the same ranking (cca > ab > b) with the responses listed in another order
        Ranking a = new Ranking("hi", List.of("ab", "b", "cca"), List.of(2, 0, 1), "ann");
        Ranking b = new Ranking("hi", List.of("b", "cca", "ab"), List.of(1, 2, 0), "ann");
        List<double[]> ra = new ArrayList<>(), rb = new ArrayList<>();
        double la = lossAndRewards(g, PairBatch.of(List.of(rendered(p, a)), LossMode.GROUPED), ra)[0];
        double lb = lossAndRewards(g, PairBatch.of(List.of(rendered(p, b)), LossMode.GROUPED), rb)[0];
        assertEquals(la, lb, 1e-12);
        assertEquals(ra.get(0)[2], rb.get(0)[1], 1e-12, "the same response gets the same reward wherever it is listed");
        // and micro-batching: two micro-batches sum to the loss of the whole step
        List<RankedPrompt> both = List.of(rendered(p, k3()), rendered(p, k4()));
        double whole = lossAndRewards(g, PairBatch.of(both, LossMode.GROUPED), new ArrayList<>())[0];
        double split = lossAndRewards(g, PairBatch.of(both.subList(0, 1), LossMode.GROUPED, 2, 9), new ArrayList<>())[0]
                + lossAndRewards(g, PairBatch.of(both.subList(1, 2), LossMode.GROUPED, 2, 9), new ArrayList<>())[0];
        assertEquals(whole, split, 1e-12);
    }

    @Test
    void theEngineLossAndEveryGradientEqualTheGraphInFloat64() {
        for (LossMode mode : List.of(LossMode.GROUPED, LossMode.INDEPENDENT)) {   // the pair losses' graph oracle
            Policy p = Tiny.policy(CTX, 11, DataType.DOUBLE, true);
            PairBatch b = PairBatch.of(List.of(rendered(p, k3()), rendered(p, k4())), mode);
            TrainGraph.Result want = new TrainGraph(p.weights(), CTX, PairLoss.builder(0.25)).run(PairLoss.feeds(b, CTX, DataType.DOUBLE));
            GptEngine engine = new GptEngine(p.weights());
            TrainLoop.Micro m = PairLoss.micro(b, CTX, 0.25);
            Outputs o = engine.forward(m.batch());
            Outputs.Grads g = Outputs.Grads.zerosLike(o);
            double loss = m.loss().apply(o, g);
            engine.zeroGrad();
            engine.backward(g);
            assertEquals(want.loss(), loss, 1e-12, mode + ": loss");
            Map<String, INDArray> got = engine.gradients();
            for (String name : p.weights().names()) {
                INDArray w = want.gradients().get(name);
                double rel = got.get(name).sub(w).norm2Number().doubleValue() / Math.max(1e-6, w.norm2Number().doubleValue()); // ln_f.bias and the head bias get 0 exactly: Σ_rows ∂L/∂r = 0 for a pair loss
                assertTrue(rel <= 1e-9, mode + ": " + name + " differs by " + rel);
            }
        }
    }

    @Test
    void theLossOnRewardsHasTheFiniteDifferenceGradient() {
        PairBatch b = new PairBatch(List.of(new int[1], new int[1], new int[1], new int[1]), new int[] {0, 0, 2, 1},
                new int[] {1, 3, 3, 2}, new double[] {0.5, 0.25, 0.125, 0.125}, new int[] {0, 0, 0, 0}, new int[] {1, 3, 1, 1});
        double[] r = {0.3, -0.2, 1.1, 0.1};
        TokenLoss loss = PairLoss.onRewards(b, 0.4);
        Outputs.Grads g = new Outputs.Grads(new double[4], null, null, new double[4]);
        double l = loss.apply(new Outputs(new double[4], null, null, r), g);
        double hand = -(0.5 * PairLoss.logSigmoid(0.5 - 0.4) + 0.25 * PairLoss.logSigmoid(0.2 - 0.4)
                + 0.125 * PairLoss.logSigmoid(1.0 - 0.4) + 0.125 * PairLoss.logSigmoid(-1.3 - 0.4));
        assertEquals(hand, l, 1e-15);
        for (int i = 0; i < 4; i++) {
            double[] up = r.clone(), down = r.clone();
            up[i] += 1e-6;
            down[i] -= 1e-6;
            double num = (PairLoss.loss(up, b, 0.4) - PairLoss.loss(down, b, 0.4)) / 2e-6;
            assertEquals(num, g.reward()[i], 1e-9, "reward " + i);
        }
    }

    @Test
    void gradientsOfTheFullLossThroughTheModelMatchFiniteDifferences() {
        for (LossMode mode : List.of(LossMode.GROUPED, LossMode.INDEPENDENT)) {   // the pair losses' graph oracle
            Policy p = Tiny.policy(CTX, 11, DataType.DOUBLE, true);
            TrainGraph g = new TrainGraph(p.weights(), CTX, PairLoss.builder(0.25));
            PairBatch b = PairBatch.of(List.of(rendered(p, k3()), rendered(p, k4())), mode);
            GradientCheck.Report r = GradientCheck.check(g.sameDiff(), g.lossName(), PairLoss.feeds(b, CTX, DataType.DOUBLE),
                    p.weights().names(), 4, 1e-5, 1e-5, 13);
            // |a − n| / max(|a| + |n|, 1e-5): entries whose true gradient is 0 (key biases, which softmax ignores; the reward
            // head bias, which cancels in r_w − r_l) compare absolutely, above the ~1e-11 rounding noise
            assertTrue(r.maxRelError() < 1e-5, mode + ": worst " + r.worst());
            long large = r.entries().stream().filter(e -> Math.abs(e.analytic()) > 1e-4).count();
            assertTrue(large > r.checked() / 2, "most checked gradients are far from zero: " + large + " of " + r.checked());
            assertTrue(r.checked() > 4 * (p.weights().names().size() - 6), "checked " + r.checked());
        }
    }
}
