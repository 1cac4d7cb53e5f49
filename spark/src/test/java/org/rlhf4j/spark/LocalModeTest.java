package org.rlhf4j.spark;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.train.AdamW;
import org.rlhf4j.policy.train.LoopConfig;
import org.rlhf4j.policy.train.OptimConfig;
import org.rlhf4j.policy.train.TrainLoop;
import org.rlhf4j.data.rank.LossMode;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.reward.RewardTask;
import org.rlhf4j.sft.LmExamples;
import org.rlhf4j.sft.LmTask;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.ppo.PpoTrainer;

/** local[2]: the driver's JVM runs two task threads; each distributed step equals the single-JVM one. */
class LocalModeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        Nd4jDefaults.apply();
        sc = ClusterSession.start(new ClusterConfig("local[2]", null, null, null), "rlhf4j-test");
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    /**
     * The same samples, token for token; the scores and losses to float32 rounding: a partition scores 2 rows where one
     * JVM scores 8 in one forward, and OpenBLAS picks its kernel (so the order of a dot product's additions) by shape.
     */
    static void assertSameIteration(ObjectNode a, ObjectNode b) {
        for (String k : new String[] {"sample_response", "response_length", "eos_rate", "minibatch_steps", "early_stopped"})
            assertEquals(a.get(k), b.get(k), k);
        for (String k : new String[] {"rm_score", "kl_per_token", "entropy", "explained_variance", "policy_loss", "value_loss", "grad_norm", "approx_kl"})
            assertEquals(a.get(k).asDouble(), b.get(k).asDouble(), 1e-6 * Math.max(1, Math.abs(a.get(k).asDouble())), k);
    }

    /**
     * After 4 AdamW steps at lr 3e-3 (each moves a weight by up to 3e-3) the weights agree to 1e-5: Adam divides a
     * gradient by its own size, so a rounding difference in a near-zero gradient component moves its update by more
     * than its relative size. Measured: 2.8e-6.
     */
    static void assertCloseWeights(Ppo.Setup a, Ppo.Setup b) {
        double d = Tiny.maxAbsDiff(a.policy(), b.policy());
        assertTrue(d < 1e-5, "max |Δw| = " + d);
    }

    @Test
    void aPpoIterationOnTwoSlotsEqualsTheSingleJvmOne(@TempDir Path dir) throws Exception {
        PpoConfig cfg = Tiny.config(1);
        Ppo.Setup alone = Tiny.setup(cfg), spread = Tiny.setup(cfg);
        PpoTrainer.Result a = Tiny.trainer(alone).run(dir.resolve("alone"), JSON.createObjectNode(), null, false);
        SparkWorkers w = new SparkWorkers(sc, new ClusterConfig("local[2]", null, null, null), spread);
        PpoTrainer.Result b = Tiny.trainer(spread).workers(w).run(dir.resolve("spread"), JSON.createObjectNode(), null, false);
        ObjectNode ma = a.metrics().get(0), mb = b.metrics().get(0);
        assertSameIteration(ma, mb);
        assertCloseWeights(alone, spread);
        assertTrue(Tiny.maxAbsDiff(alone.policy(), Tiny.setup(cfg).policy()) > 1e-4, "the iteration moved the weights");
    }

    // ---- the SFT and reward stages' data-parallel step ----

    static final GptConfig C = GptConfig.of(ByteTokenizer.VOCAB, 96, 16, 2, 2);
    /** 4 micro-batches of one row per step: 2 slices of 2 on 2 slots. */
    static final LoopConfig LOOP = new LoopConfig(2, 4, 1, 2, 1, 3, new OptimConfig(3e-3, 3e-3, 0, 0.0, 0.9, 0.95, 1e-8, 1.0));

    static Policy model(boolean rewardHead) {
        Policy p = new Policy(C, new ByteTokenizer(), GptWeights.init(C, 4, DataType.FLOAT));
        return rewardHead ? p.withHead(GptWeights.Head.REWARD, 9) : p;
    }

    static TrainLoop.Task sftTask() {
        List<Dialogue> d = new ArrayList<>();
        String[][] turns = {{"2+2?", "4"}, {"Hi", "Hello!"}, {"Name a color.", "Blue."}, {"Say yes.", "Yes."}, {"Bye", "See you."}, {"1+1?", "2"}};
        for (String[] t : turns) d.add(new Dialogue(List.of(Message.user(t[0]), Message.assistant(t[1]))));
        List<org.rlhf4j.sft.Example> ex = LmExamples.fromDialogues(d, model(false).chat(), 96).examples();
        return new LmTask(ex, ex, 96, LOOP, 1, DataType.FLOAT);
    }

    static TrainLoop.Task rewardTask() {
        List<Ranking> r = new ArrayList<>();
        String[] resp = {"aaab", "abcc", "bbbc", "aacc", "cbab", "acca"};
        for (int i = 0; i < 6; i++)
            r.add(new Ranking("r" + i, "q" + i, List.of(resp[i], resp[(i + 1) % 6], resp[(i + 2) % 6]), List.of(0, 1, 2), "synthetic", null, null, null, null, null, null));
        List<RankedPrompt> train = RankedPrompt.prepare(r, model(false).chat(), 96).prompts();
        return new RewardTask(train, train, null, 96, LossMode.GROUPED, 0, LOOP, 3, DataType.FLOAT);
    }

    /**
     * Step 1 of the task in one JVM and data-parallel: the same loss, gradients equal to float32 rounding of the other
     * summation order (measured: 2.3e-6 of the largest component for the reward model, where the K rows of a ranking
     * pull against each other), and after AdamW the same weights where the gradient is clear of AdamW's ε.
     */
    static void assertStepMatches(boolean rewardHead, DataParallelStep.TaskFactory factory) {
        TrainLoop.Task task = factory.build();
        long step = 1;
        Policy a = model(rewardHead), b = model(rewardHead);
        GptEngine ea = new GptEngine(a.weights());
        ea.zeroGrad();
        double lossA = 0;
        for (TrainLoop.Micro m : task.batch(step).micro()) {
            Outputs o = ea.forward(m.batch());
            Outputs.Grads g = Outputs.Grads.zerosLike(o);
            lossA += m.loss().apply(o, g);
            ea.backward(g);
        }
        GptEngine eb = new GptEngine(b.weights());
        double lossB = new DataParallelStep(sc, factory, b).gradient(step, task.batch(step).micro().size(), b, eb);
        assertEquals(lossA, lossB, 1e-12 * Math.abs(lossA), "the step's loss");
        double gradDiff = ea.gradientFlat().sub(eb.gradientFlat()).amaxNumber().doubleValue();
        double gradMax = ea.gradientFlat().amaxNumber().doubleValue();
        assertTrue(gradDiff <= 1e-5 * gradMax, "gradients differ by " + gradDiff + " (largest " + gradMax + ")");
        INDArray clear = Transforms.abs(ea.gradientFlat()).gt(1e-6).castTo(DataType.FLOAT);
        new AdamW(LOOP.optim()).step(a.weights().arrays(), ea.gradients(), 3e-3);
        new AdamW(LOOP.optim()).step(b.weights().arrays(), eb.gradients(), 3e-3);
        // AdamW's first step is lr·g/(|g| + 1e-8): where |g| is near 1e-8, a rounding difference in g moves the update by
        // a sizeable part of lr (measured up to 1.3e-3 of 3e-3 here); every weight whose gradient stands clear of that
        // agrees to float rounding
        double d = Transforms.abs(a.weights().flat().sub(b.weights().flat())).mul(clear).amaxNumber().doubleValue();
        assertTrue(d < 1e-6, "max |Δw| after the step where |g| > 1e-6: " + d);
        assertTrue(Tiny.maxAbsDiff(a, model(rewardHead)) > 1e-3, "the step moved the weights");
    }

    @Test
    void anSftStepOnTwoSlotsEqualsTheSingleJvmOne() {
        assertStepMatches(false, LocalModeTest::sftTask);
    }

    @Test
    void aRewardModelStepOnTwoSlotsEqualsTheSingleJvmOne() {
        assertStepMatches(true, LocalModeTest::rewardTask);
    }
}
