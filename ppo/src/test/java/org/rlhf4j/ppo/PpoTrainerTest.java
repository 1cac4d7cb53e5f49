package org.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.model.GptWeights;

class PpoTrainerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static List<PretrainDoc> docs() {
        return List.of(new PretrainDoc("the quick brown fox jumps over the lazy dog"), new PretrainDoc("hello world"),
                new PretrainDoc("pretraining text keeps the language model honest"));
    }

    @Test
    void klIsZeroAndTheRatioIsOneInTheFirstMinibatchWhenPolicyEqualsReference(@TempDir Path out) throws Exception {
        PpoConfig cfg = TinyPpo.config(1, 8, 6, 1e-3);
        Policy sft = TinyPpo.policy(21, DataType.FLOAT);
        Policy policy = sft.withHead(GptWeights.Head.VALUE, 2);
        PpoTrainer.Result r = new PpoTrainer(cfg, policy, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(8), List.of(), null)
                .run(out, JSON.createObjectNode(), null, false);
        ObjectNode m = r.metrics().get(0);
        assertEquals(0.0, m.get("kl_per_token").asDouble(), "the reference's log-probs are the policy's, bit for bit");
        assertEquals(0.0, m.get("kl_per_response").asDouble());
        // the training graph (SameDiff, float32) against the rollout's log-probs (KV-cache forward, float32)
        assertTrue(m.get("ratio_dev_first_minibatch").asDouble() < 1e-4, "max |ratio − 1| = " + m.get("ratio_dev_first_minibatch"));
        assertTrue(m.get("minibatch_steps").asInt() == 4, "2 epochs × 2 minibatches: " + m);
        assertTrue(m.get("gold_score").isNull(), "prompts without a family have no gold score");
    }

    @Test
    void resumeContinuesExactly(@TempDir Path dir) throws Exception {
        PpoConfig three = TinyPpo.withCheckpointEvery(TinyPpo.withPtx(TinyPpo.config(3, 4, 5, 3e-3), 0.5), 1);
        three = TinyPpo.withKl(three, new PpoConfig.Kl(PpoConfig.KlMode.ADAPTIVE, 0.1, 0.5, 40));
        // withHead shares the backbone arrays, so every run starts from its own freshly initialised (identical) model
        Policy sft = TinyPpo.policy(8, DataType.FLOAT);
        Policy straight = TinyPpo.policy(8, DataType.FLOAT).withHead(GptWeights.Head.VALUE, 1);
        PpoTrainer.Result a = new PpoTrainer(three, straight, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(6), docs(), null)
                .run(dir.resolve("a"), JSON.createObjectNode(), null, false);

        Policy first = TinyPpo.policy(8, DataType.FLOAT).withHead(GptWeights.Head.VALUE, 1);
        new PpoTrainer(TinyPpo.withIterations(three, 1), first, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(6), docs(), null)
                .run(dir.resolve("b"), JSON.createObjectNode(), null, false);
        Policy resumed = TinyPpo.policy(1234, DataType.FLOAT).withHead(GptWeights.Head.VALUE, 99);         // a different value head: resume must overwrite it
        PpoTrainer.Result b = new PpoTrainer(three, resumed, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(6), docs(), null)
                .run(dir.resolve("b"), JSON.createObjectNode(), null, true);

        for (String name : straight.weights().names())
            assertArrayEquals(straight.weights().get(name).reshape(-1).toFloatVector(), resumed.weights().get(name).reshape(-1).toFloatVector(), 0f, name + " differs after resume");
        assertEquals(3, b.metrics().size());
        for (int i = 0; i < 3; i++)
            for (String k : List.of("rm_score", "kl_per_response", "beta", "policy_loss", "value_loss", "ptx_loss", "sample_response"))
                assertEquals(a.metrics().get(i).get(k), b.metrics().get(i).get(k), "iteration " + (i + 1) + " " + k);
        assertNotEquals(a.metrics().get(0).get("beta"), a.metrics().get(2).get("beta"), "the adaptive β moved (and was restored)");
        JsonNode state = JSON.readTree(dir.resolve("b/last/trainer_state.json").toFile());
        assertEquals(3, state.get("iteration").asInt());
        assertTrue(Checkpoint.load(dir.resolve("b/last")).policy().weights().hasHead(GptWeights.Head.VALUE));
        assertTrue(Double.isFinite(a.metrics().get(0).get("ptx_loss").asDouble()));
    }

    @Test
    void valueWarmupTrainsOnlyTheValueHeadAtItsOwnRate(@TempDir Path out) throws Exception {
        PpoConfig base = TinyPpo.withPtx(TinyPpo.config(2, 4, 5, 1e-3), 0.5);
        PpoConfig.Learn l = base.ppo();
        PpoConfig cfg = TinyPpo.withLearn(base, new PpoConfig.Learn(l.epochs(), l.minibatchSize(), l.microBatchSize(), l.clip(),
                l.valueClip(), l.vfCoef(), l.entropyCoef(), l.maxApproxKl(), l.whitenAdvantages(), 5e-2, 2));
        Policy sft = TinyPpo.policy(3, DataType.FLOAT);
        Policy policy = TinyPpo.policy(3, DataType.FLOAT).withHead(GptWeights.Head.VALUE, 4);
        Policy before = policy.frozenCopy();
        PpoTrainer.Result r = new PpoTrainer(cfg, policy, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(8), docs(), null)
                .run(out, JSON.createObjectNode(), null, false);
        for (String name : policy.weights().names()) {
            float[] a = before.weights().get(name).reshape(-1).toFloatVector(), b = policy.weights().get(name).reshape(-1).toFloatVector();
            if (name.startsWith("value_head")) assertFalse(java.util.Arrays.equals(a, b), name + " should have learned");
            else assertArrayEquals(a, b, 0f, name + " moved during the value warm-up");
        }
        for (ObjectNode m : r.metrics()) {
            assertTrue(m.get("value_warmup").asBoolean());
            assertEquals(0.0, m.get("kl_per_response").asDouble(), "the policy still is the reference");
            assertTrue(m.get("ptx_loss").isNull(), "no ptx step in the warm-up: " + m.get("ptx_loss"));
        }
        // the head's first Adam step moves each of its coordinates by value_lr, not by optim.lr
        float[] b0 = before.weights().get(GptWeights.Head.VALUE.bias).toFloatVector(), b1 = policy.weights().get(GptWeights.Head.VALUE.bias).toFloatVector();
        assertTrue(Math.abs(b1[0] - b0[0]) > 5e-3, "value bias moved " + Math.abs(b1[0] - b0[0]));
    }

    @Test
    void trainingPromptsTooLongForTheGraphAreRefused() {
        PpoConfig cfg = TinyPpo.config(1, 2, 4, 1e-3);
        Policy sft = TinyPpo.policy(1, DataType.FLOAT);
        var longPrompt = List.of(new org.rlhf4j.data.format.PromptRecord("long", "x".repeat(40)));
        var e = assertThrows(IllegalArgumentException.class, () ->
                new PpoTrainer(cfg, sft.withHead(GptWeights.Head.VALUE, 1), sft.frozenCopy(), TinyPpo.countA(), longPrompt, List.of(), null));
        assertTrue(e.getMessage().contains("prompt_max_tokens"), e.getMessage());
    }
}
