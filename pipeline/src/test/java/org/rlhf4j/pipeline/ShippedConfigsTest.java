package org.rlhf4j.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.rlhf4j.dpo.DpoConfig;
import org.rlhf4j.policy.ModelSpec;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.reward.RewardConfig;
import org.rlhf4j.sft.PretrainConfig;
import org.rlhf4j.sft.SftConfig;

/** Every file in configs/ is a complete recipe that its stage accepts as is (no unknown, missing or out-of-range key). */
class ShippedConfigsTest {
    static final Path CONFIGS = Path.of("..", "configs");
    static final Map<String, Class<?>> TYPES = Map.ofEntries(Map.entry("pretrain.json", PretrainConfig.class), Map.entry("sft.json", SftConfig.class),
            Map.entry("reward.json", RewardConfig.class), Map.entry("ppo.json", PpoConfig.class), Map.entry("dpo.json", DpoConfig.class),
            Map.entry("eval.json", EvalConfig.class), Map.entry("quickstart.json", RunConfig.class), Map.entry("compare.json", RunConfig.class), Map.entry("instructgpt.json", RunConfig.class), Map.entry("run.json", RunConfig.class),
            Map.entry("model.json", ModelSpec.class), Map.entry("model-nano.json", ModelSpec.class));

    @Test
    void everyShippedConfigLoads() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(CONFIGS)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(files.size() >= 12, "configs found: " + files);
        for (Path f : files) {
            Class<?> type = TYPES.get(f.getFileName().toString());
            assertNotNull(type, "no stage type known for " + f);
            assertDoesNotThrow(() -> ConfigLoader.load(f, type, List.of()), f.toString());
        }
        // the run configs name stage configs that exist
        for (String run : List.of("quickstart.json", "compare.json", "instructgpt.json", "gpt2-small/run.json")) {
            var rc = ConfigLoader.load(CONFIGS.resolve(run), RunConfig.class, List.of()).config();
            for (RunConfig.StageRef ref : List.of(rc.sft(), rc.reward(), rc.ppo(), rc.ppoPtx(), rc.eval()))
                assertTrue(Files.exists(CONFIGS.resolveSibling(ref.config())), run + " names " + ref.config());
            for (RunConfig.Method m : rc.methods()) assertTrue(Files.exists(CONFIGS.resolveSibling(m.config())), run + " names " + m.config());
        }
        // the comparison's every stage config, overrides included, is accepted as the pipeline loads it
        var compare = ConfigLoader.load(CONFIGS.resolve("compare.json"), RunConfig.class, List.of()).config();
        assertEquals(List.of("rloo", "grpo", "dpo", "ipo", "ppo-pl"), compare.methods().stream().map(RunConfig.Method::name).toList());
        for (RunConfig.Method m : compare.methods()) {
            Class<?> type = m.stage().equals("ppo") ? PpoConfig.class : DpoConfig.class;
            assertDoesNotThrow(() -> ConfigLoader.load(CONFIGS.resolveSibling(m.config()), type, m.set()), m.name());
        }
        // the instructgpt run's findings stages, overrides included; the big model has >= 4x the shipped model's parameters
        var ig = ConfigLoader.load(CONFIGS.resolve("instructgpt.json"), RunConfig.class, List.of()).config().findings();
        var big = ConfigLoader.load(CONFIGS.resolveSibling(ig.bigPretrain().config()), PretrainConfig.class, ig.bigPretrain().set()).config();
        var small = ConfigLoader.load(CONFIGS.resolve("pretrain.json"), PretrainConfig.class, List.of()).config();
        assertTrue(big.init().model().parameterCount() >= 4 * small.init().model().parameterCount(),
                big.init().model().parameterCount() + " vs " + small.init().model().parameterCount());
        assertDoesNotThrow(() -> ConfigLoader.load(CONFIGS.resolveSibling(ig.bigSft().config()), SftConfig.class, ig.bigSft().set()));
        var over = ConfigLoader.load(CONFIGS.resolveSibling(ig.overoptimisation().config()), PpoConfig.class, ig.overoptimisation().set()).config();
        assertTrue(over.iterations() / over.snapshotEvery() >= ig.minSnapshots());
        var pl = ConfigLoader.load(CONFIGS.resolveSibling(compare.rewardPl().config()), RewardConfig.class, compare.rewardPl().set());
        assertEquals(org.rlhf4j.data.rank.LossMode.PLACKETT_LUCE, pl.config().mode());
        assertEquals(2, ConfigLoader.load(CONFIGS.resolveSibling(compare.eval().config()), EvalConfig.class, compare.eval().set()).config().samplesPerPrompt());
    }
}
