package org.rlhf4j.ppo;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;

/** The stage end to end on tiny checkpoints, and configs/ppo.json. */
class PpoStageTest {
    static final Path CONFIG = Path.of("../configs/ppo.json");
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static ConfigLoader.Loaded<PpoConfig> load(List<String> overrides) {
        return ConfigLoader.load(CONFIG, PpoConfig.class, overrides);
    }

    @Test
    void shippedConfigLoadsWithTheDocumentedDefaults() {
        PpoConfig c = load(List.of()).config();
        assertEquals("runs/quickstart/sft/best", c.sft());
        assertEquals("runs/quickstart/reward/best", c.rewardModel());
        assertEquals(PpoConfig.ValueHeadInit.ZERO, c.valueHeadInit());
        assertEquals(1e-3, c.ppo().valueLr());
        assertEquals(2, c.ppo().warmupIterations());
        assertEquals(c.eval().sampling().temperature(), c.rollout().temperature(), "PPO samples at the temperature it is evaluated at");
        assertEquals(0.2, c.ppo().clip());
        assertEquals(1.0, c.gae().gamma());
        assertEquals(0.95, c.gae().lambda());
        assertEquals(0.02, c.kl().coef());
        assertTrue(c.rollout().seqLen() + 1 <= 256, "fits the quickstart context with the EOS");
        // the overrides configs/quickstart.json applies for its PPO and PPO-ptx runs
        assertEquals(0.0, load(List.of("ptx_coef=0.0")).config().ptxCoef());
        assertEquals(27.8, load(List.of("ptx_coef=27.8")).config().ptxCoef());
    }

    @Test
    void everyBadValueIsReportedAtOnceWithItsKey() {
        var e = assertThrows(ConfigException.class, () -> load(List.of("ppo.clip=2", "kl.coef=-1", "ppo.minibatch_size=5",
                "rollout.temperature=0", "ppo.vf_coef=0", "value_head_init=critic")));
        String m = e.getMessage();
        assertTrue(m.contains("value_head_init"), m);
        var e2 = assertThrows(ConfigException.class, () -> load(List.of("ppo.clip=2", "kl.coef=-1", "ppo.minibatch_size=5",
                "rollout.temperature=0", "ppo.vf_coef=0")));
        for (String key : List.of("ppo.clip", "kl.coef", "ppo.minibatch_size", "rollout.temperature", "ppo.vf_coef"))
            assertTrue(e2.getMessage().contains(key), key + " missing from:\n" + e2.getMessage());
        assertEquals(6, e2.problems().size(), "micro_batch_size follows from minibatch_size: " + e2.getMessage());
    }

    @Test
    void theAlgorithmKeysAreValidatedWithTheOthersAndNameTheirKeyPath() {
        // GRPO and RLOO with one sample per prompt (the default, or said outright), reported with the other problems
        for (List<String> bad : List.of(List.of("algorithm=grpo", "ppo.clip=2"), List.of("algorithm=rloo", "samples_per_prompt=1", "ppo.clip=2"))) {
            var e = assertThrows(ConfigException.class, () -> load(bad));
            String m = e.getMessage();
            assertTrue(m.contains("samples_per_prompt: algorithm \"" + bad.get(0).substring(10) + "\" needs >= 2 samples per prompt"), m);
            assertTrue(m.contains("ppo.clip"), m);
            assertEquals(2, e.problems().size(), m);
        }
        var notDivisor = assertThrows(ConfigException.class, () -> load(List.of("algorithm=rloo", "samples_per_prompt=3")));
        assertTrue(notDivisor.getMessage().contains("samples_per_prompt: expected a divisor of batch_size=16"), notDivisor.getMessage());
        var zero = assertThrows(ConfigException.class, () -> load(List.of("samples_per_prompt=0")));
        assertTrue(zero.getMessage().contains("samples_per_prompt: expected >= 1, got 0"), zero.getMessage());
        var names = assertThrows(ConfigException.class, () -> load(List.of("algorithm=a2c", "kl_penalty=both", "samples_per_prompt=two")));
        for (String key : List.of("algorithm: expected one of [ppo, rloo, grpo]", "kl_penalty: expected one of [reward, loss]", "samples_per_prompt: expected an integer"))
            assertTrue(names.getMessage().contains(key), key + " missing from:\n" + names.getMessage());

        // the shipped recipe turns into RLOO or GRPO with two keys; its value-head settings are then ignored (the value
        // warm-up of 2 iterations does not have to be shorter than a 2-iteration run)
        PpoConfig rloo = load(List.of("algorithm=rloo", "samples_per_prompt=4", "iterations=2")).config();
        assertEquals(PpoConfig.Algorithm.RLOO, rloo.algorithmOrDefault());
        assertEquals(4, rloo.promptsPerIteration());
        assertFalse(rloo.critic());
        assertEquals(PpoConfig.KlPenalty.LOSS, load(List.of("algorithm=grpo", "samples_per_prompt=2", "kl_penalty=loss")).config().klPenaltyOrDefault());
        // and without the keys the config is today's PPO
        PpoConfig ppo = load(List.of()).config();
        assertEquals(PpoConfig.Algorithm.PPO, ppo.algorithmOrDefault());
        assertEquals(1, ppo.k());
        assertEquals(PpoConfig.KlPenalty.REWARD, ppo.klPenaltyOrDefault());
        assertTrue(ppo.critic());
    }

    @Test
    void missingCheckpointsAndDataAreAllReportedBeforeAnyWork() {
        PpoConfig c = load(List.of("sft=/nonexistent/sft", "reward_model=/nonexistent/rm", "prompts=embedded:no-such.jsonl")).config();
        var e = assertThrows(ConfigException.class, () -> Ppo.load(c));
        for (String key : List.of("sft:", "reward_model:", "prompts:")) assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void tinyStageRunsAndReportsGoldAndPerplexityForSftAndPpo(@TempDir Path dir) throws Exception {
        GptConfig gc = GptConfig.of(ByteTokenizer.VOCAB, 128, 16, 1, 2);
        Policy sft = new Policy(gc, new ByteTokenizer(), GptWeights.init(gc, 4, DataType.FLOAT));
        Policy rm = sft.withHead(GptWeights.Head.REWARD, 6);
        ObjectNode prov = JSON.createObjectNode().put("stage", "test");
        Checkpoint.save(dir.resolve("sft"), sft, prov, null, null, null);
        Checkpoint.save(dir.resolve("rm"), rm, prov, null, null, null);
        List<String> o = new ArrayList<>(List.of("sft=" + dir.resolve("sft"), "reward_model=" + dir.resolve("rm"), "iterations=1", "batch_size=4", "ppo.value_warmup_iterations=0", "value_head_init=reward_model",
                "ppo.minibatch_size=2", "ppo.micro_batch_size=2", "rollout.max_new_tokens=6", "rollout.prompt_max_tokens=90",
                "ptx.seq_len=24", "ptx.batch_size=2", "checkpoint_every=1", "eval.max_prompts=4", "eval.pretrain_docs=3",
                "eval.sampling.max_new_tokens=6", "optim.lr=1e-3", "optim.min_lr=1e-4"));
        var loaded = ConfigLoader.load(CONFIG, PpoConfig.class, o);

        Ppo.Inputs in = Ppo.load(loaded.config());
        Ppo.Roles roles = Ppo.roles(loaded.config(), in);
        assertEquals(rm.weights().get(GptWeights.REWARD_W), roles.policy().weights().get(GptWeights.VALUE_W), "value head = reward head");
        assertEquals(rm.weights().get(GptWeights.REWARD_B), roles.policy().weights().get(GptWeights.VALUE_B));
        List<String> zero = new ArrayList<>(o);
        zero.set(zero.indexOf("value_head_init=reward_model"), "value_head_init=zero");
        Ppo.Roles zeroRoles = Ppo.roles(ConfigLoader.load(CONFIG, PpoConfig.class, zero).config(), in);
        assertEquals(0.0, zeroRoles.policy().weights().get(GptWeights.VALUE_W).norm2Number().doubleValue(), 0.0, "zero value head");
        assertEquals(0.0, zeroRoles.policy().weights().get(GptWeights.VALUE_B).norm2Number().doubleValue(), 0.0);
        assertTrue(in.promptsTooLong() > 0 && in.prompts().size() > 0, "prompts over 90 tokens are left out and counted");

        Path out = dir.resolve("ppo");
        PpoTrainer.Result r = Ppo.run(loaded, out, false, List.of("ppo", "--config", CONFIG.toString()));
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        for (String who : List.of("sft", "ppo")) {
            double g = s.at("/gold_heldout/" + who + "/mean").asDouble(-1);
            assertTrue(g >= 0 && g <= 1, who + " gold " + g);
            assertTrue(Double.isFinite(s.at("/pretrain_heldout/" + who + "_ppl").asDouble(Double.NaN)));
        }
        assertEquals("reward_model", s.get("value_head_init").asText());
        for (ObjectNode m : r.metrics()) {
            assertFalse(m.get("gold_score").isNull(), "embedded prompts are judged every iteration");
            for (String k : List.of("rm_score", "kl_per_token", "kl_per_response", "beta", "entropy", "response_length", "policy_loss", "value_loss",
                    "clip_fraction", "approx_kl", "explained_variance", "ptx_loss", "tokens_per_s", "generate_s", "score_s", "learn_s"))
                assertTrue(m.has(k) && !m.get(k).isNull(), k + " in " + m);
        }
        JsonNode meta = JSON.readTree(out.resolve("last/metadata.json").toFile());
        assertEquals("reward_model", meta.get("value_head_init").asText());
        JsonNode p = JSON.readTree(out.resolve("last/provenance.json").toFile());
        assertEquals("ppo", p.get("stage").asText());
        assertEquals("test", p.at("/parent/provenance/stage").asText());
        assertEquals("test", p.at("/reward_model/provenance/stage").asText());
        assertTrue(Files.exists(out.resolve("last/optimizer.safetensors")));
    }
    @Test
    void tinyGrpoStageWritesThePpoLayoutWithoutAValueHead(@TempDir Path dir) throws Exception {
        GptConfig gc = GptConfig.of(ByteTokenizer.VOCAB, 128, 16, 1, 2);
        Policy sft = new Policy(gc, new ByteTokenizer(), GptWeights.init(gc, 4, DataType.FLOAT));
        ObjectNode prov = JSON.createObjectNode().put("stage", "test");
        Checkpoint.save(dir.resolve("sft"), sft, prov, null, null, null);
        Checkpoint.save(dir.resolve("rm"), sft.withHead(GptWeights.Head.REWARD, 6), prov, null, null, null);
        var loaded = ConfigLoader.load(CONFIG, PpoConfig.class, List.of("sft=" + dir.resolve("sft"), "reward_model=" + dir.resolve("rm"),
                "algorithm=grpo", "samples_per_prompt=2", "kl_penalty=loss", "iterations=2", "batch_size=4", "ppo.minibatch_size=2",
                "ppo.micro_batch_size=2", "rollout.max_new_tokens=6", "rollout.prompt_max_tokens=90", "ptx.seq_len=24", "ptx.batch_size=2",
                "checkpoint_every=1", "eval.max_prompts=2", "eval.pretrain_docs=2", "eval.sampling.max_new_tokens=6", "optim.lr=1e-3", "optim.min_lr=1e-4"));
        Path out = dir.resolve("grpo");
        PpoTrainer.Result r = Ppo.run(loaded, out, false, List.of("ppo", "--config", CONFIG.toString(), "--set", "algorithm=grpo"));
        assertEquals(2, r.metrics().size());
        assertTrue(r.metrics().get(1).get("kl_loss").isNumber(), r.metrics().get(1).toString());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals("grpo", s.get("algorithm").asText());
        assertEquals("loss", s.get("kl_penalty").asText());
        assertFalse(s.has("value_head_init"), "no value head, no value_head_init");
        assertTrue(s.at("/gold_heldout/ppo/mean").isNumber() && s.at("/pretrain_heldout/ppo_ppl").isNumber(), s.toString());
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "trainer_state.json", "metadata.json", "provenance.json"))
            assertTrue(Files.exists(out.resolve("last").resolve(f)), f);
        JsonNode meta = JSON.readTree(out.resolve("last/metadata.json").toFile());
        assertEquals("grpo", meta.get("algorithm").asText());
        assertEquals(2, meta.get("samples_per_prompt").asInt());
        assertFalse(Checkpoint.load(out.resolve("last")).policy().weights().hasHead(GptWeights.Head.VALUE));
        JsonNode p = JSON.readTree(out.resolve("last/provenance.json").toFile());
        assertEquals("grpo", p.at("/config/algorithm").asText(), "the resolved config, algorithm included, is in the provenance: " + p);
        assertEquals("test", p.at("/parent/provenance/stage").asText());
    }
}
