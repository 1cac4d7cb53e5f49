package org.rlhf4j.dpo;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.train.TrainLoop;

/** The whole stage on a tiny byte-level model and synthetic rankings that prefer responses with more 'a's. */
class DpoTrainingTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static Policy tiny(long seed) {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 32, 16, 2, 2);
        return new Policy(c, new ByteTokenizer(), GptWeights.init(c, seed, DataType.FLOAT));
    }

    /** K responses of 4 letters over {a, b, c}, each with a different number of 'a's, ranked by that number. */
    static List<Ranking> moreA(int n, int k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Ranking> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> counts = new ArrayList<>(List.of(0, 1, 2, 3, 4));
            counts = org.rlhf4j.policy.train.SeededShuffle.shuffled(counts, r.nextLong()).subList(0, k);
            List<String> responses = new ArrayList<>();
            for (int c : counts) {
                StringBuilder s = new StringBuilder();
                for (int j = 0; j < 4; j++) s.append(j < c ? 'a' : r.nextBoolean() ? 'b' : 'c');
                responses.add(s.toString());
            }
            List<Integer> ranking = new ArrayList<>();
            for (int j = 0; j < k; j++) ranking.add(j);
            List<Integer> cs = counts;
            ranking.sort((x, y) -> Integer.compare(cs.get(y), cs.get(x)));
            out.add(new Ranking("r" + i, "q" + (i % 10), responses, ranking, "synthetic", null, null, null, null, null, null));
        }
        return out;
    }

    static ObjectNode config(Path dir, String loss, int steps) throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"sft": "%s", "train": "%s", "validation": "%s", "loss": "%s", "beta": 0.5, "pairs": "grouped",
                 "seq_len": 32, "eval_rankings": 40, "seed": 3,
                 "loop": {"steps": %d, "batch_size": 8, "micro_batch_size": 4, "eval_every": 20, "log_every": 10,
                          "max_consecutive_skips": 3,
                          "optim": {"lr": 3e-3, "min_lr": 3e-4, "warmup_steps": 5, "weight_decay": 0.0, "beta1": 0.9,
                                    "beta2": 0.95, "eps": 1e-8, "grad_clip": 1.0}}}
                """.formatted(dir.resolve("sft"), dir.resolve("train.jsonl"), dir.resolve("validation.jsonl"), loss, steps));
    }

    static void writeInputs(Path dir) throws Exception {
        Checkpoint.save(dir.resolve("sft"), tiny(21), JSON.createObjectNode().put("stage", "test"), null, null, null);
        JsonlWriter.write(dir.resolve("train.jsonl"), moreA(200, 3, 1));
        JsonlWriter.write(dir.resolve("validation.jsonl"), moreA(40, 3, 2));
    }

    @Test
    void atTheStartThePolicyIsItsReferenceSoTheEngineLossIsLog2() {
        Policy p = tiny(4);
        List<RankedPrompt> ps = RankedPrompt.prepare(moreA(4, 3, 9), p.chat(), 32).prompts();
        DpoConfig c = new DpoConfig("x", "x", "x", PreferenceLoss.DPO, 0.5, org.rlhf4j.data.rank.LossMode.GROUPED, 32, 4, 1,
                new org.rlhf4j.policy.train.LoopConfig(1, 4, 2, 1, 1, 1, new org.rlhf4j.policy.train.OptimConfig(1e-3, 0, 0, 0, 0.9, 0.95, 1e-8, 1)));
        DpoTask task = new DpoTask(ps, ps, null, p.frozenCopy(), c);
        GptEngine engine = new GptEngine(p.weights());
        double loss = 0;
        for (TrainLoop.Micro m : task.batch(0).micro()) {
            Outputs o = engine.forward(m.batch());
            loss += m.loss().apply(o, Outputs.Grads.zerosLike(o));
        }
        // the engine's s (training path) against the reference's (scoring path): equal up to float32 rounding
        assertEquals(Math.log(2), loss, 1e-4);
        assertEquals(0.5, task.report(p).annotators().value(), 0.2, "no preference learnt yet");
    }

    @Test
    void aShortDpoRunLearnsThePreferenceAndWritesAPolicyCheckpoint(@TempDir Path dir) throws Exception {
        writeInputs(dir);
        for (String loss : List.of("dpo", "ipo")) {
            Path out = dir.resolve(loss);
            var loaded = ConfigLoader.fromTree("test", config(dir, loss, 40), DpoConfig.class, List.of());
            TrainLoop.Result r = Dpo.run(loaded, out, false, List.of("dpo"));
            JsonNode s = JSON.readTree(out.resolve(TrainLoop.SUMMARY).toFile());
            double acc = s.at("/best_validation_implicit_reward/accuracy_vs_annotators/accuracy").asDouble();
            System.out.println(loss + ": held-out implicit-reward accuracy " + acc + ", final eval " + s.get("final_eval"));
            assertTrue(acc > 0.75, loss + ": held-out implicit-reward accuracy " + acc);
            assertEquals(loss, s.get("loss").asText());
            assertEquals(200 * 3, s.get("train_pairs").asInt());
            assertTrue(Files.exists(out.resolve(TrainLoop.METRICS)));
            Checkpoint.Contents ck = Checkpoint.load(r.best());
            assertEquals("dpo", ck.provenance().path("stage").asText());
            assertFalse(ck.policy().weights().hasHead(GptWeights.Head.REWARD), "a plain policy, as SFT writes");
        }
    }

    @Test
    void badConfigValuesAreAllReportedWithTheirKeyPaths(@TempDir Path dir) throws Exception {
        ObjectNode c = config(dir, "dpo", 10);
        c.put("beta", 0.0);
        c.put("pairs", "plackett_luce");
        c.put("loss", "kto");
        c.put("bta", 1);
        ((ObjectNode) c.get("loop")).put("micro_batch_size", 3);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree("cfg", c, DpoConfig.class, List.of()));
        assertTrue(e.getMessage().contains("bta: unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("loss: expected one of [dpo, ipo]"), e.getMessage());
        c.put("loss", "ipo");
        c.remove("bta");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree("cfg", c, DpoConfig.class, List.of()));
        assertTrue(e.getMessage().contains("beta: expected a finite number > 0, got 0.0"), e.getMessage());
        assertTrue(e.getMessage().contains("pairs: expected grouped or independent, got plackett_luce"), e.getMessage());
        assertTrue(e.getMessage().contains("loop.micro_batch_size: expected a divisor of batch_size=8"), e.getMessage());
    }

    @Test
    void theShippedRecipeLoads() {
        var loaded = ConfigLoader.load(Path.of("..", "configs", "dpo.json"), DpoConfig.class, List.of());
        assertEquals(PreferenceLoss.DPO, loaded.config().loss());
    }
}
