package org.rlhf4j.policy.train;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;

class TrainLoopTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    /** Next-token loss on one fixed row; the steps in {@code poisoned} get a NaN loss weight. */
    static TrainLoop.Task task(Set<Long> poisoned) {
        return new TrainLoop.Task() {
            public int seqLen() {
                return 16;
            }

            public TrainLoop.Batch batch(long step) {
                TokenBatch b = TokenBatch.rightPadded(List.of(new ByteTokenizer().encode("hello, world!")), 16);
                TrainLoop.Micro m = LmLoss.micro(b, null, poisoned.contains(step) ? Double.NaN : 1.0 / 12);
                return new TrainLoop.Batch(List.of(m), 13);
            }

            public Map<String, Double> evaluate(Policy policy) {
                return Map.of("val_loss", 1.0);
            }
        };
    }

    static Policy policy() {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 16, 8, 1, 2);
        return new Policy(c, new ByteTokenizer(), GptWeights.init(c, 1, DataType.FLOAT));
    }

    static LoopConfig loop(int steps, int maxSkips) {
        return new LoopConfig(steps, 1, 1, 2, 1, maxSkips, new OptimConfig(1e-2, 1e-3, 0, 0.0, 0.9, 0.95, 1e-8, 1.0));
    }

    @Test
    void anIsolatedNonFiniteLossSkipsTheUpdateAndIsLogged() throws Exception {
        Policy p = policy();
        var r = new TrainLoop("t", loop(6, 3)).run(p, task(Set.of(3L)), dir, new ObjectMapper().createObjectNode(), null, false);
        assertEquals(1, r.summary().get("skipped_updates").asInt());
        var metrics = TrainLoop.readMetrics(dir.resolve(TrainLoop.METRICS), 99);
        assertTrue(metrics.get(3).get("skipped").asBoolean(), "step 4 (0-based 3) is logged as skipped");
        assertFalse(metrics.get(4).get("skipped").asBoolean());
        for (INDArray a : p.weights().arrays().values()) assertFalse(a.isNaN().any() || a.isInfinite().any());
    }

    @Test
    void consecutiveNonFiniteUpdatesStopTheRunAndKeepTheLastGoodCheckpoint() throws Exception {
        Policy p = policy();
        var e = assertThrows(TrainLoop.NonFiniteException.class,
                () -> new TrainLoop("t", loop(10, 3)).run(p, task(Set.of(4L, 5L, 6L, 7L)), dir, new ObjectMapper().createObjectNode(), null, false));
        assertTrue(e.getMessage().contains("3 consecutive updates") && e.getMessage().contains("last"), e.getMessage());
        Checkpoint.Contents last = Checkpoint.load(dir.resolve(TrainLoop.LAST));
        // skipped updates never touch the weights: the checkpoint written at step 6, inside the streak, holds the
        // step-4 weights, which are also what the policy still has
        assertEquals(6, last.trainerState().get("step").asInt());
        for (String n : p.weights().names()) {
            assertFalse(last.policy().weights().get(n).isNaN().any(), n);
            assertEquals(p.weights().get(n), last.policy().weights().get(n), n);
        }
    }

    @Test
    void aBatchThatCannotFitIsRefusedUpFrontWithTheEstimate() {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 256, 128, 4, 4);
        long need = MemoryEstimate.trainingBytes(c, 16, 256, 4);
        // the engine's arena (16·256 tokens: 21·d per token and block plus 16·4·256² attention probabilities per block,
        // about 66 M floats) plus four copies of the 0.86 M parameters
        assertEquals(4L * (org.rlhf4j.policy.engine.GptEngine.arenaElements(c, 16, 256) + 4 * c.parameterCount()), need);
        assertTrue(need > 200L << 20 && need < 1L << 30, "estimate for the quickstart shape: " + need);
        var e = assertThrows(IllegalArgumentException.class, () -> MemoryEstimate.check("sft", c, 1024, 256, 4L << 30, 0.8));
        assertTrue(e.getMessage().contains("1024 rows × 256 tokens") && e.getMessage().contains("GiB"), e.getMessage());
        MemoryEstimate.check("sft", c, 16, 256, 8L << 30, 0.8); // fits: no exception
    }

    @Test
    void scheduleWarmsUpThenDecaysToTheFloor() {
        OptimConfig o = new OptimConfig(1e-3, 1e-4, 10, 0, 0.9, 0.95, 1e-8, 1);
        assertEquals(1e-4, o.lrAt(0, 110), 1e-12);      // (0+1)/10 of peak
        assertEquals(1e-3, o.lrAt(9, 110), 1e-12);
        assertEquals(1e-3, o.lrAt(10, 110), 1e-12);     // cosine starts at the peak
        assertEquals(5.5e-4, o.lrAt(60, 110), 1e-12);   // half way: (peak + floor) / 2
        assertEquals(1e-4, o.lrAt(110, 110), 1e-12);
    }
}
