package org.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.train.AdamW;
import org.rlhf4j.policy.train.LmLoss;
import org.rlhf4j.policy.train.OptimConfig;
import org.rlhf4j.policy.train.TrainGraph;
import org.rlhf4j.policy.train.TrainLoop;

/** The SFT loss on the training engine against the SameDiff graph it replaced. */
class SftEngineTest {
    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static final GptConfig C = GptConfig.of(ByteTokenizer.VOCAB, 96, 16, 2, 2);

    /** Loss and every gradient of one step (two micro-batches of packed dialogues), engine against graph, float64. */
    @Test
    void theMaskedLossAndEveryGradientEqualTheGraph() {
        Policy p = new Policy(C, new ByteTokenizer(), GptWeights.init(C, 4, DataType.DOUBLE));
        List<Example> ex = LmExamples.fromDialogues(SftTrainingTest.dialogues(), p.chat(), 96).examples();
        LmTask task = new LmTask(ex, ex, 96, SftTrainingTest.loop(1, 2, 1, 1e-3), 1, DataType.DOUBLE);
        List<List<List<Example>>> micro = List.of(List.of(List.of(ex.get(0)), List.of(ex.get(1))), List.of(List.of(ex.get(2), ex.get(3))));
        TrainGraph g = new TrainGraph(p.weights(), 96, LmLoss.builder());
        double wantLoss = 0;
        Map<String, INDArray> want = new HashMap<>();
        for (List<List<Example>> m : micro) {
            TrainGraph.Result r = g.run(task.feeds(m, 1.0 / 30));
            wantLoss += r.loss();
            r.gradients().forEach((k, v) -> want.merge(k, v.dup(), INDArray::addi));
        }
        GptEngine engine = new GptEngine(p.weights());
        engine.zeroGrad();
        double loss = 0;
        for (List<List<Example>> m : micro) {
            LmTask.Packed packed = task.packed(m);
            TrainLoop.Micro mb = LmLoss.micro(packed.batch(), packed.trainOn(), 1.0 / 30);
            Outputs o = engine.forward(mb.batch());
            Outputs.Grads gr = Outputs.Grads.zerosLike(o);
            loss += mb.loss().apply(o, gr);
            engine.backward(gr);
        }
        assertEquals(wantLoss, loss, 1e-12);
        Map<String, INDArray> got = engine.gradients();
        for (String name : p.weights().names()) {
            double rel = got.get(name).sub(want.get(name)).norm2Number().doubleValue() / Math.max(1e-6, want.get(name).norm2Number().doubleValue());
            assertTrue(rel <= 1e-9, name + " differs by " + rel);
        }
    }

    /** 30 AdamW steps in float32 from the same weights: the two paths' loss curves agree within float rounding. */
    @Test
    void thirtyStepsGiveTheSameLossCurveAsTheGraph() {
        Policy a = new Policy(C, new ByteTokenizer(), GptWeights.init(C, 6, DataType.FLOAT));
        Policy b = new Policy(C, new ByteTokenizer(), a.weights().copy());
        List<Example> ex = LmExamples.fromDialogues(SftTrainingTest.dialogues(), a.chat(), 96).examples();
        LmTask task = new LmTask(ex, ex, 96, SftTrainingTest.loop(30, 2, 1, 3e-3), 1, DataType.FLOAT);
        OptimConfig oc = new OptimConfig(3e-3, 3e-3, 0, 0.01, 0.9, 0.95, 1e-8, 1.0);
        AdamW optA = new AdamW(oc), optB = new AdamW(oc);
        GptEngine engine = new GptEngine(b.weights());
        Map<String, INDArray> engineGrads = engine.gradients();
        TrainGraph g = new TrainGraph(a.weights(), 96, LmLoss.builder());
        List<Double> graphCurve = new ArrayList<>(), engineCurve = new ArrayList<>();
        for (long step = 0; step < 30; step++) {
            List<List<Example>> rows = task.rows(step);
            int n = 0;
            for (List<Example> r : rows) for (Example x : r) n += x.targets();
            double la = 0, lb = 0;
            Map<String, INDArray> ga = new HashMap<>();
            engine.zeroGrad();
            for (List<Example> row : rows) {
                TrainGraph.Result r = g.run(task.feeds(List.of(row), 1.0 / n));
                la += r.loss();
                r.gradients().forEach((k, v) -> ga.merge(k, v.dup(), INDArray::addi));
                LmTask.Packed packed = task.packed(List.of(row));
                TrainLoop.Micro mb = LmLoss.micro(packed.batch(), packed.trainOn(), 1.0 / n);
                Outputs o = engine.forward(mb.batch());
                Outputs.Grads gr = Outputs.Grads.zerosLike(o);
                lb += mb.loss().apply(o, gr);
                engine.backward(gr);
            }
            optA.step(a.weights().arrays(), ga, 3e-3);
            optB.step(b.weights().arrays(), engineGrads, 3e-3);
            graphCurve.add(la);
            engineCurve.add(lb);
        }
        assertTrue(graphCurve.get(29) < graphCurve.get(0) - 0.5, "the model learns: " + graphCurve);
        for (int s = 0; s < 30; s++)
            assertEquals(graphCurve.get(s), engineCurve.get(s), 2e-3 * Math.abs(graphCurve.get(s)), "step " + (s + 1) + ": " + graphCurve + " vs " + engineCurve);
    }
}
