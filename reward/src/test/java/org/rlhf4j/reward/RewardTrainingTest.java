package org.rlhf4j.reward;

import org.rlhf4j.data.rank.LossMode;
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
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.train.TrainLoop;

/** The whole stage on a tiny model and synthetic rankings (more letter 'a' is better). */
class RewardTrainingTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static ObjectNode config(Path dir, String mode, int steps) throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"sft": "%s", "train": "%s", "validation": "%s", "normalize_on": "%s", "normalize_std": true,
                 "mode": "%s", "margin": 0.0, "seq_len": 32, "eval_rankings": 60, "seed": 4,
                 "loop": {"steps": %d, "batch_size": 8, "micro_batch_size": 4, "eval_every": 30, "log_every": 10,
                          "max_consecutive_skips": 3,
                          "optim": {"lr": 3e-3, "min_lr": 3e-4, "warmup_steps": 10, "weight_decay": 0.0, "beta1": 0.9,
                                    "beta2": 0.95, "eps": 1e-8, "grad_clip": 1.0}}}
                """.formatted(dir.resolve("sft"), dir.resolve("train.jsonl"), dir.resolve("validation.jsonl"), dir.resolve("demos.jsonl"), mode, steps));
    }

    static void writeInputs(Path dir) throws Exception {
        Policy sft = Tiny.policy(32, 21, DataType.FLOAT, false);
        Policy noHead = new Policy(sft.config(), sft.tokenizer(), new GptWeights(sft.config(),
                sft.weights().arrays().entrySet().stream().filter(e -> !e.getKey().startsWith("reward_head"))
                        .collect(java.util.stream.Collectors.toMap(e -> e.getKey(), e -> e.getValue()))));
        Checkpoint.save(dir.resolve("sft"), noHead, JSON.createObjectNode().put("stage", "test"), null, null, null);
        JsonlWriter.write(dir.resolve("train.jsonl"), Tiny.moreA(400, 3, 4, 1));
        JsonlWriter.write(dir.resolve("validation.jsonl"), Tiny.moreA(60, 3, 4, 2));
        JsonlWriter.write(dir.resolve("demos.jsonl"), NormalizationTest.demos());
    }

    @Test
    void aShortRunLearnsToPreferMoreAsAndNormalisesItsRewards(@TempDir Path dir) throws Exception {
        writeInputs(dir);
        Path out = dir.resolve("rm");
        var loaded = ConfigLoader.fromTree("test", config(dir, "grouped", 60), RewardConfig.class, List.of());
        TrainLoop.Result r = Reward.run(loaded, out, false, List.of("reward"));
        JsonNode s = JSON.readTree(out.resolve(TrainLoop.SUMMARY).toFile());
        double acc = s.get("best_val_accuracy").asDouble();
        System.out.println("tiny run: best held-out accuracy " + acc + ", summary " + s);
        assertTrue(acc > 0.7, "held-out pairwise accuracy " + acc);
        assertEquals(acc, s.at("/best_validation/accuracy_vs_annotators/accuracy").asDouble(), 1e-6, "normalising keeps the ordering");
        assertEquals(10, s.at("/best_validation/calibration").size());
        assertTrue(Files.exists(out.resolve(TrainLoop.METRICS)));
        // the normalisation is in metadata.json and folded into the head of best/ and last/
        for (Path ck : List.of(r.best(), r.last())) {
            Checkpoint.Contents c = Checkpoint.load(ck);
            JsonNode meta = c.metadata();
            for (String k : List.of("bias", "scale", "computed_on", "n")) assertTrue(meta.has(k), ck + " metadata lacks " + k);
            assertEquals(8, meta.get("n").asInt());
            Normalization.Demonstrations d = Normalization.demonstrations(NormalizationTest.demos(), c.policy(), 32);
            double[] st = NormalizationTest.stats(RewardScorer.scores(c.policy(), d.rows()));
            assertEquals(0, st[0], 1e-4);
            assertEquals(1, st[1], 1e-4);
        }
    }

    @Test
    void badConfigValuesAreAllReportedWithTheirKeyPaths(@TempDir Path dir) throws Exception {
        ObjectNode c = config(dir, "pairwise", 10);
        c.put("margni", 0.1);
        c.put("margin", -1.0);
        ((ObjectNode) c.get("loop")).put("micro_batch_size", 3);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree("cfg", c, RewardConfig.class, List.of()));
        assertTrue(e.getMessage().contains("margni: unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("mode: expected one of [grouped, independent, plackett_luce]"), e.getMessage());
        c.put("mode", "independent");
        c.remove("margni");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree("cfg", c, RewardConfig.class, List.of()));
        assertTrue(e.getMessage().contains("margin: expected a finite number >= 0, got -1.0"), e.getMessage());
        assertTrue(e.getMessage().contains("loop.micro_batch_size: expected a divisor of batch_size=8"), e.getMessage());
        c.put("mode", "plackett_luce");
        c.put("margin", 0.5);
        e = assertThrows(ConfigException.class, () -> ConfigLoader.fromTree("cfg", c, RewardConfig.class, List.of()));
        assertTrue(e.getMessage().contains("margin: expected 0 with mode plackett_luce"), e.getMessage());
        assertTrue(e.getMessage().contains("loop.micro_batch_size"), "every problem at once: " + e.getMessage());
    }

    @Test
    void aShortPlackettLuceRunLearnsTheRankings(@TempDir Path dir) throws Exception {
        writeInputs(dir);
        Path out = dir.resolve("rm-pl");
        var loaded = ConfigLoader.fromTree("test", config(dir, "plackett_luce", 60), RewardConfig.class, List.of());
        Reward.run(loaded, out, false, List.of("reward"));
        JsonNode s = JSON.readTree(out.resolve(TrainLoop.SUMMARY).toFile());
        assertEquals("plackett_luce", s.get("mode").asText());
        double acc = s.get("best_val_accuracy").asDouble();
        assertTrue(acc > 0.7, "held-out pairwise accuracy " + acc);
        assertTrue(s.at("/best_validation/loss").asDouble() > 0, "the held-out listwise loss is reported");
    }

    @Test
    void theShippedRecipeLoads() {
        Path recipe = Path.of("..", "configs", "reward.json");
        var loaded = ConfigLoader.load(recipe, RewardConfig.class, List.of());
        assertEquals(LossMode.GROUPED, loaded.config().mode());
        assertEquals(RewardConfig.DEFAULT_NORMALIZE_ON, loaded.config().normalizeOn());
    }
}
