package org.rlhf4j.sft;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptGraph;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.train.GradientCheck;
import org.rlhf4j.policy.train.LmLoss;
import org.rlhf4j.policy.train.LoopConfig;
import org.rlhf4j.policy.train.OptimConfig;
import org.rlhf4j.policy.train.TrainGraph;
import org.rlhf4j.policy.train.TrainLoop;

class SftTrainingTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static final GptConfig TINY = GptConfig.of(ByteTokenizer.VOCAB, 128, 16, 2, 2);

    static Policy policy(DataType dt) {
        return new Policy(TINY, new ByteTokenizer(), GptWeights.init(TINY, 3, dt));
    }

    static List<Dialogue> dialogues() {
        return List.of(
                new Dialogue(List.of(Message.user("2+2?"), Message.assistant("4"))),
                new Dialogue(List.of(Message.user("Hi"), Message.assistant("Hello!"), Message.user("Bye"), Message.assistant("See you."))),
                new Dialogue(List.of(Message.user("Name a color."), Message.assistant("Blue."))),
                new Dialogue(List.of(Message.user("Say yes."), Message.assistant("Yes."))));
    }

    static LoopConfig loop(int steps, int batch, int micro, double lr) {
        return new LoopConfig(steps, batch, micro, steps, 1, 3, new OptimConfig(lr, lr, 0, 0.0, 0.9, 0.95, 1e-8, 1.0));
    }

    @Test
    void maskedLossEqualsAHandComputationOnTwoDialogues() {
        Policy p = policy(DataType.DOUBLE);
        List<Example> ex = LmExamples.fromDialogues(dialogues().subList(0, 2), p.chat(), 96).examples();
        // by hand: −mean over assistant targets of log p(target), from the inference forward
        List<float[]> lps = p.score(List.of(ex.get(0).ids(), ex.get(1).ids()), 1.0, false, false).tokenLogprobs();
        double sum = 0;
        int n = 0;
        for (int i = 0; i < 2; i++)
            for (int t = 0; t + 1 < ex.get(i).ids().length; t++)
                if (ex.get(i).train()[t + 1]) {
                    sum -= lps.get(i)[t];
                    n++;
                }
        // assistant targets: "4"+EOS = 2, "Hello!"+EOS = 7, "See you."+EOS = 9
        assertEquals(2 + 7 + 9, n);
        LmTask task = new LmTask(ex, ex, 128, loop(1, 2, 2, 1e-3), 1, DataType.DOUBLE);
        TrainGraph g = new TrainGraph(p.weights(), 128, LmLoss.builder());
        double loss = g.run(task.feeds(List.of(List.of(ex.get(0)), List.of(ex.get(1))), 1.0 / n)).loss();
        assertEquals(sum / n, loss, 1e-5);
        // packing both dialogues into one row gives the same loss (no cross-contamination)
        double packed = g.run(task.feeds(List.of(List.of(ex.get(0), ex.get(1))), 1.0 / n)).loss();
        assertEquals(loss, packed, 1e-10);
    }

    @Test
    void maskedLossGradientMatchesFiniteDifferences() {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 48, 8, 1, 2);
        Policy p = new Policy(c, new ByteTokenizer(), GptWeights.init(c, 5, DataType.DOUBLE));
        for (INDArray a : p.weights().arrays().values()) if (a.rank() == 2) a.muli(10);
        List<Example> ex = LmExamples.fromDialogues(dialogues().subList(0, 2), p.chat(), 48).examples();
        LmTask task = new LmTask(ex, ex, 48, loop(1, 2, 2, 1e-3), 1, DataType.DOUBLE);
        TrainGraph g = new TrainGraph(p.weights(), 48, LmLoss.builder());
        Map<String, INDArray> f = task.feeds(List.of(List.of(ex.get(0)), List.of(ex.get(1))), 1.0 / 18);
        SameDiff sd = g.sameDiff();
        GradientCheck.Report r = GradientCheck.check(sd, g.lossName(), f, p.weights().names(), 4, 1e-6, 1e-8, 3);
        assertTrue(r.maxRelError() < 1e-5, r.worst());
    }

    @Test
    void everyTrainableParameterChangesAfterOneStep() throws Exception {
        Policy p = policy(DataType.FLOAT);
        GptWeights before = p.weights().copy();
        List<Example> ex = LmExamples.fromDialogues(dialogues(), p.chat(), 64).examples();
        LmTask task = new LmTask(ex, ex, 64, loop(1, 2, 2, 1e-2), 1, DataType.FLOAT);
        new TrainLoop("t", loop(1, 2, 2, 1e-2)).run(p, task, dir.resolve("one"), new ObjectMapper().createObjectNode(), null, false);
        for (String name : p.weights().names()) {
            INDArray a = before.get(name), b = p.weights().get(name);
            assertTrue(a.sub(b).amaxNumber().doubleValue() > 0, name + " did not change");
        }
    }

    @Test
    void aTinyModelOverfitsFourExamples() throws Exception {
        Policy p = policy(DataType.FLOAT);
        List<Example> ex = LmExamples.fromDialogues(dialogues(), p.chat(), 64).examples();
        LoopConfig lc = new LoopConfig(150, 4, 4, 150, 50, 3, new OptimConfig(1e-2, 1e-3, 10, 0.0, 0.9, 0.95, 1e-8, 1.0));
        LmTask task = new LmTask(ex, ex, 64, lc, 1, DataType.FLOAT);
        var r = new TrainLoop("overfit", lc).run(p, task, dir.resolve("overfit"), new ObjectMapper().createObjectNode(), null, false);
        double loss = r.summary().get("final_train_loss").asDouble();
        assertTrue(loss < 0.05, "loss " + loss);
        // and greedy decoding reproduces an answer it memorised
        var gen = p.generate(List.of(p.chat().renderPrompt("Name a color.")), org.rlhf4j.policy.generate.SamplingConfig.greedy(10), 0);
        assertEquals("Blue.", p.tokenizer().decode(gen.tokens().get(0)));
        assertTrue(gen.endedWithEos(0));
    }

    @Test
    void accumulationFourTimesTwoEqualsOneTimesEight() throws Exception {
        // float64, so the only difference left is the order of summation
        List<Dialogue> d = new ArrayList<>();
        for (int i = 0; i < 2; i++) d.addAll(dialogues());
        Policy a = policy(DataType.DOUBLE), b = policy(DataType.DOUBLE);
        List<Example> ex = LmExamples.fromDialogues(d, a.chat(), 40).examples(); // 40 tokens: one dialogue per row
        LoopConfig micro2 = loop(2, 8, 2, 1e-2), micro8 = loop(2, 8, 8, 1e-2);
        new TrainLoop("a", micro2).run(a, new LmTask(ex, ex, 40, micro2, 1, DataType.DOUBLE), dir.resolve("a"), new ObjectMapper().createObjectNode(), null, false);
        new TrainLoop("b", micro8).run(b, new LmTask(ex, ex, 40, micro8, 1, DataType.DOUBLE), dir.resolve("b"), new ObjectMapper().createObjectNode(), null, false);
        double moved = 0;
        for (String n : a.weights().names()) {
            double diff = a.weights().get(n).sub(b.weights().get(n)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-9, n + " differs by " + diff);
            moved = Math.max(moved, a.weights().get(n).sub(policy(DataType.DOUBLE).weights().get(n)).amaxNumber().doubleValue());
        }
        assertTrue(moved > 1e-3, "the runs trained");
    }

    @Test
    void resumeAfterStepKGivesTheSameWeightsAtStepN() throws Exception {
        Policy p0 = policy(DataType.FLOAT);
        List<Example> ex = LmExamples.fromDialogues(dialogues(), p0.chat(), 64).examples();
        LoopConfig cfg = new LoopConfig(6, 2, 1, 3, 1, 3, new OptimConfig(1e-2, 1e-3, 2, 0.1, 0.9, 0.95, 1e-8, 1.0));
        var prov = new ObjectMapper().createObjectNode();

        Policy straight = policy(DataType.FLOAT);
        new TrainLoop("s", cfg).run(straight, new LmTask(ex, ex, 64, cfg, 7, DataType.FLOAT), dir.resolve("s"), prov, null, false);

        Path out = dir.resolve("r");
        Policy interrupted = policy(DataType.FLOAT);
        new TrainLoop("r", cfg).stopAfter(3).run(interrupted, new LmTask(ex, ex, 64, cfg, 7, DataType.FLOAT), out, prov, null, false);
        assertEquals(3, Checkpoint.load(out.resolve(TrainLoop.LAST)).trainerState().get("step").asInt());
        Policy resumed = policy(DataType.FLOAT);
        new TrainLoop("r", cfg).run(resumed, new LmTask(ex, ex, 64, cfg, 7, DataType.FLOAT), out, prov, null, true);

        for (String n : straight.weights().names())
            assertEquals(straight.weights().get(n), resumed.weights().get(n), n + " differs after resume");
        var a = TrainLoop.readMetrics(dir.resolve("s").resolve(TrainLoop.METRICS), 99);
        var b = TrainLoop.readMetrics(out.resolve(TrainLoop.METRICS), 99);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("loss"), b.get(i).get("loss"), "metrics line " + i);
            assertEquals(a.get(i).get("grad_norm"), b.get(i).get("grad_norm"), "metrics line " + i);
        }
    }
}
