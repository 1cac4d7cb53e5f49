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
        three = TinyPpo.withSnapshotEvery(three, 2);
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
        // snapshot_every = 2: the policy after iteration 2 is kept, the same whether or not the run was resumed on the way
        assertTrue(Files.isDirectory(PpoTrainer.snapshot(dir.resolve("a"), 2)));
        assertFalse(Files.exists(PpoTrainer.snapshot(dir.resolve("a"), 3)));
        Policy snapA = Checkpoint.loadPolicy(PpoTrainer.snapshot(dir.resolve("a"), 2)), snapB = Checkpoint.loadPolicy(PpoTrainer.snapshot(dir.resolve("b"), 2));
        boolean moved = false;
        for (String name : snapA.weights().names()) {
            float[] x = snapA.weights().get(name).reshape(-1).toFloatVector();
            assertArrayEquals(x, snapB.weights().get(name).reshape(-1).toFloatVector(), 0f, name);
            moved |= !java.util.Arrays.equals(x, straight.weights().get(name).reshape(-1).toFloatVector());
        }
        assertTrue(moved, "the iteration-2 snapshot differs from the final policy");
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
    // ---- the critic-free modes ----

    static PpoConfig criticFree(PpoConfig c, PpoConfig.Algorithm algorithm, int k, PpoConfig.KlPenalty penalty) {
        return TinyPpo.withAlgorithm(c, algorithm, k, penalty);
    }

    @Test
    void tinyRlooAndGrpoRunsTrainWithoutAValueHeadEndToEnd(@TempDir Path dir) throws Exception {
        // RLOO with the KL in the reward and PPO-ptx; GRPO with the KL as a loss term: 2 iterations of 8 responses,
        // 4 samples for each of 2 prompts
        PpoConfig base = TinyPpo.config(2, 8, 6, 3e-3);
        for (PpoConfig cfg : List.of(criticFree(TinyPpo.withPtx(base, 0.5), PpoConfig.Algorithm.RLOO, 4, null),
                criticFree(base, PpoConfig.Algorithm.GRPO, 4, PpoConfig.KlPenalty.LOSS))) {
            String name = cfg.algorithmOrDefault().wireName();
            Policy sft = TinyPpo.policy(21, DataType.FLOAT);
            Policy policy = TinyPpo.policy(21, DataType.FLOAT);
            Path out = dir.resolve(name);
            PpoTrainer.Result r = new PpoTrainer(cfg, policy, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(8), docs(), null)
                    .run(out, JSON.createObjectNode(), null, false);
            assertEquals(2, r.metrics().size());
            for (ObjectNode m : r.metrics()) {
                assertEquals(name, m.get("algorithm").asText());
                assertFalse(m.get("value_warmup").asBoolean());
                for (String k : List.of("value_loss", "value_clip_fraction", "explained_variance")) assertTrue(m.get(k).isNull(), name + " has no critic: " + k);
                assertEquals(4, m.get("minibatch_steps").asInt(), "2 epochs × 2 minibatches: " + m);
                assertTrue(Double.isFinite(m.get("policy_loss").asDouble()) && Double.isFinite(m.get("grad_norm").asDouble()), m.toString());
            }
            ObjectNode first = r.metrics().get(0);
            assertEquals(0.0, first.get("kl_per_response").asDouble(), "policy = reference at the first rollout");
            assertTrue(first.get("ratio_dev_first_minibatch").asDouble() < 1e-4, first.toString());
            if (cfg.klPenaltyOrDefault() == PpoConfig.KlPenalty.LOSS) {
                assertTrue(first.get("kl_loss").asDouble() >= 0, first.toString());
                assertTrue(first.get("ptx_loss").isNull());
            } else {
                assertFalse(first.has("kl_loss"));
                assertTrue(Double.isFinite(first.get("ptx_loss").asDouble()), "ptx works without a critic: " + first);
            }
            boolean moved = false;
            for (String w : policy.weights().names())
                moved |= !java.util.Arrays.equals(sft.weights().get(w).reshape(-1).toFloatVector(), policy.weights().get(w).reshape(-1).toFloatVector());
            assertTrue(moved, name + ": the policy learned");
            Checkpoint.Contents last = Checkpoint.load(out.resolve("last"));
            assertFalse(last.policy().weights().hasHead(GptWeights.Head.VALUE), "no value head in " + name + "'s checkpoint");
            assertEquals(name, last.trainerState().get("algorithm").asText());
            assertEquals(4, last.trainerState().get("samples_per_prompt").asInt());
            JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
            assertEquals(name, summary.get("algorithm").asText());
            assertEquals(4, summary.get("samples_per_prompt").asInt());
        }
    }

    @Test
    void eachPromptIsSampledKTimesWithItsOwnSeedPerSample() {
        PpoConfig cfg = criticFree(TinyPpo.config(1, 8, 6, 1e-3), PpoConfig.Algorithm.GRPO, 4, null);
        Policy sft = TinyPpo.policy(5, DataType.FLOAT);
        PpoTrainer t = new PpoTrainer(cfg, TinyPpo.policy(5, DataType.FLOAT), sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(8), List.of(), null);
        PpoTrainer.Samples s = t.sample(0);
        assertEquals(8, s.size());
        assertEquals(2, t.promptsFor(0).size(), "batch_size 8 / 4 samples per prompt");
        for (int g = 0; g < 2; g++) {
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (int i = g * 4; i < g * 4 + 4; i++) {
                assertSame(s.prompts().get(g * 4), s.prompts().get(i), "rows " + (g * 4) + ".." + (g * 4 + 3) + " are one prompt's group");
                distinct.add(java.util.Arrays.toString(s.responseIds().get(i)));
            }
            assertTrue(distinct.size() > 1, "the samples of a prompt differ (own seeds): " + distinct);
        }
        assertNotSame(s.prompts().get(0), s.prompts().get(4));
        // a pure function of (seed, iteration, prompt, sample): sampling again gives the same responses
        PpoTrainer.Samples again = t.sample(0);
        for (int i = 0; i < 8; i++) assertArrayEquals(s.responseIds().get(i), again.responseIds().get(i));
    }

    @Test
    void theTrainersRlooAndGrpoAdvantagesComeFromWholeRewardsOfEachGroup() {
        // 2 prompts × 2 samples; responses of 2, 3, 1 and 2 tokens; β = 0.5
        boolean[][] mask = {{true, true, false}, {true, true, true}, {true, false, false}, {true, true, false}};
        double[][] lp = {{-1, -2, 0}, {-0.5, -1, -1}, {-3, 0, 0}, {-1, -1, 0}};
        double[][] ref = {{-1.5, -2, 0}, {-0.5, -0.5, -2}, {-2, 0, 0}, {-1, -1.5, 0}};
        double[] scores = {1.0, 2.0, 0.0, 4.0};
        PpoTrainer.Scored sc = new PpoTrainer.Scored(lp, ref, null, mask, scores);
        // KL per response Σ(lp − ref) = 0.5, 0.5, −1, 0.5 → R = score − 0.5·KL = 0.75, 1.75, 0.5, 3.75
        double[] wholeReward = {0.75, 1.75, 0.5, 3.75};
        double[] rloo = {-1.0, 1.0, -3.25, 3.25};                 // R_i − R_other (k = 2)
        double s1 = Math.sqrt(0.5), s2 = Math.sqrt(2 * 1.625 * 1.625);
        double[] grpo = {-0.5 / (s1 + 1e-6), 0.5 / (s1 + 1e-6), -1.625 / (s2 + 1e-6), 1.625 / (s2 + 1e-6)};
        for (PpoConfig.Algorithm a : List.of(PpoConfig.Algorithm.RLOO, PpoConfig.Algorithm.GRPO)) {
            PpoConfig cfg = criticFree(TinyPpo.config(1, 4, 3, 1e-3), a, 2, null);
            PpoTrainer t = new PpoTrainer(cfg, TinyPpo.policy(1, DataType.FLOAT), TinyPpo.policy(1, DataType.FLOAT), TinyPpo.countA(), TinyPpo.prompts(4), List.of(), null);
            double[][] rewards = t.rewards(sc, scores, 0.5);
            assertArrayEquals(wholeReward, Advantages.sequenceRewards(rewards, mask), 1e-12);
            Advantages.Result est = t.advantages(rewards, sc);
            assertNull(est.returns(), "no returns without a critic");
            double[] want = a == PpoConfig.Algorithm.RLOO ? rloo : grpo;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 3; j++) assertEquals(mask[i][j] ? want[i] : 0.0, est.advantages()[i][j], 1e-12, a + " row " + i + " token " + j);
        }
        // with the KL as a loss term the rewards carry the score alone
        PpoTrainer t = new PpoTrainer(criticFree(TinyPpo.config(1, 4, 3, 1e-3), PpoConfig.Algorithm.RLOO, 2, PpoConfig.KlPenalty.LOSS),
                TinyPpo.policy(1, DataType.FLOAT), TinyPpo.policy(1, DataType.FLOAT), TinyPpo.countA(), TinyPpo.prompts(4), List.of(), null);
        assertArrayEquals(scores, Advantages.sequenceRewards(t.rewards(sc, scores, 0.5), mask), 1e-12);
    }

    @Test
    void criticFreeResumeContinuesExactly(@TempDir Path dir) throws Exception {
        for (PpoConfig.Algorithm algo : List.of(PpoConfig.Algorithm.RLOO, PpoConfig.Algorithm.GRPO)) {
            PpoConfig three = TinyPpo.withCheckpointEvery(TinyPpo.withPtx(TinyPpo.config(3, 4, 5, 3e-3), 0.5), 1);
            three = TinyPpo.withKl(three, new PpoConfig.Kl(PpoConfig.KlMode.ADAPTIVE, 0.1, 0.5, 40));
            three = criticFree(three, algo, 2, algo == PpoConfig.Algorithm.GRPO ? PpoConfig.KlPenalty.LOSS : PpoConfig.KlPenalty.REWARD);
            Path a = dir.resolve(algo + "-a"), b = dir.resolve(algo + "-b");
            Policy sft = TinyPpo.policy(8, DataType.FLOAT);
            Policy straight = TinyPpo.policy(8, DataType.FLOAT);
            PpoTrainer.Result ra = new PpoTrainer(three, straight, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(6), docs(), null)
                    .run(a, JSON.createObjectNode(), null, false);
            new PpoTrainer(TinyPpo.withIterations(three, 1), TinyPpo.policy(8, DataType.FLOAT), sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(6), docs(), null)
                    .run(b, JSON.createObjectNode(), null, false);
            Policy resumed = TinyPpo.policy(1234, DataType.FLOAT);             // other weights: resume must overwrite them
            PpoTrainer.Result rb = new PpoTrainer(three, resumed, sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(6), docs(), null)
                    .run(b, JSON.createObjectNode(), null, true);
            for (String name : straight.weights().names())
                assertArrayEquals(straight.weights().get(name).reshape(-1).toFloatVector(), resumed.weights().get(name).reshape(-1).toFloatVector(), 0f, algo + ": " + name + " differs after resume");
            assertEquals(3, rb.metrics().size());
            for (int i = 0; i < 3; i++)
                for (String k : List.of("rm_score", "kl_per_response", "beta", "policy_loss", "ptx_loss", "sample_response", "algorithm"))
                    assertEquals(ra.metrics().get(i).get(k), rb.metrics().get(i).get(k), algo + " iteration " + (i + 1) + " " + k);
            if (algo == PpoConfig.Algorithm.GRPO)
                for (int i = 0; i < 3; i++) assertEquals(ra.metrics().get(i).get("kl_loss"), rb.metrics().get(i).get("kl_loss"));
            assertNotEquals(ra.metrics().get(0).get("beta"), ra.metrics().get(2).get("beta"), "the adaptive β moved (and was restored)");

            // resuming under another algorithm is refused, naming what differs
            PpoConfig other = criticFree(three, algo == PpoConfig.Algorithm.RLOO ? PpoConfig.Algorithm.GRPO : PpoConfig.Algorithm.RLOO, 2, three.klPenalty());
            var e = assertThrows(java.io.IOException.class, () -> new PpoTrainer(other, TinyPpo.policy(8, DataType.FLOAT), sft.frozenCopy(), TinyPpo.countA(),
                    TinyPpo.prompts(6), docs(), null).run(b, JSON.createObjectNode(), null, true));
            assertTrue(e.getMessage().contains("algorithm"), e.getMessage());
        }
    }

    @Test
    void aCriticFreePolicyMustNotCarryAValueHead() {
        PpoConfig cfg = criticFree(TinyPpo.config(1, 4, 4, 1e-3), PpoConfig.Algorithm.RLOO, 2, null);
        Policy sft = TinyPpo.policy(1, DataType.FLOAT);
        var e = assertThrows(IllegalArgumentException.class, () ->
                new PpoTrainer(cfg, sft.withHead(GptWeights.Head.VALUE, 1), sft.frozenCopy(), TinyPpo.countA(), TinyPpo.prompts(4), List.of(), null));
        assertTrue(e.getMessage().contains("rloo has no critic"), e.getMessage());
    }
}
