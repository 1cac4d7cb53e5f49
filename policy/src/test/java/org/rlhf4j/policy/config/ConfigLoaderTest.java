package org.rlhf4j.policy.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.policy.ModelSpec;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    static final String GOOD = """
            {"model": {"vocab_size": 259, "n_positions": 64, "n_embd": 32, "n_layer": 2, "n_head": 4,
                       "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "dropout": 0.0},
             "tokenizer": "byte", "seed": 3}
            """;

    Path write(String s) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, s);
        return f;
    }

    @Test
    void validConfigLoadsAndOverridesApply() throws Exception {
        var l = ConfigLoader.load(write(GOOD), ModelSpec.class, List.of("seed=9", "model.n_layer=3"));
        assertEquals(9, l.config().seed());
        assertEquals(3, l.config().model().nLayer());
        assertEquals(3, l.resolved().path("model").path("n_layer").asInt(), "the resolved JSON carries the overrides");
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsKeyPath() throws Exception {
        String bad = """
                {"model": {"vocab_size": "big", "n_positions": 64, "n_embd": 32, "n_layr": 2, "n_head": 4,
                           "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "dropout": 0.0},
                 "tokenizer": "byte", "sed": 3}
                """;
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(write(bad), ModelSpec.class, List.of()));
        List<String> p = e.problems();
        assertTrue(p.contains("model.vocab_size: expected an integer, got string \"big\""), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("model.n_layr: unknown key")), p.toString());
        assertTrue(p.contains("model.n_layer: missing (expected an integer)"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("sed: unknown key")), p.toString());
        assertTrue(p.contains("seed: missing (expected an integer)"), p.toString());
        assertEquals(5, p.size(), p.toString());
    }

    @Test
    void outOfRangeValuesNameTheRange() throws Exception {
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(write(GOOD), ModelSpec.class, List.of("model.vocab_size=100", "tokenizer=wordpiece")));
        assertTrue(e.getMessage().contains("tokenizer: expected \"byte\", \"gpt2-bpe\", \"bpe:<vocab size>\" or a tokenizer.json path, got \"wordpiece\""), e.getMessage());
        var e2 = assertThrows(ConfigException.class, () -> ConfigLoader.load(write(GOOD), ModelSpec.class, List.of("model.n_head=5", "model.dropout=1.5")));
        assertTrue(e2.getMessage().contains("n_head: expected a divisor of n_embd=32, got 5"), e2.getMessage());
        assertTrue(e2.getMessage().contains("dropout: expected in [0,1), got 1.5"), e2.getMessage());
    }

    @Test
    void syntaxErrorsGiveLineAndColumn() throws Exception {
        Path f = write("{\n  \"seed\": 3,\n  \"tokenizer\" \"byte\"\n}");
        var e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, ModelSpec.class, List.of()));
        assertTrue(e.getMessage().contains(f + ":3:"), e.getMessage());
    }
}
