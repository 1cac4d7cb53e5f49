package org.rlhf4j.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.DataKind;
import org.rlhf4j.data.validate.Problem;
import org.rlhf4j.data.validate.ValidationReport;
import org.rlhf4j.policy.ModelSpec;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.reward.RewardConfig;
import org.rlhf4j.sft.PretrainConfig;
import org.rlhf4j.sft.SftConfig;

/**
 * Random mutations of valid files (byte flips, deletions, duplications, insertions of JSON punctuation, truncation)
 * fed to every JSONL loader and every config loader: each one must give a clear error or a valid parse — never
 * another exception, never a hang, and never a silently dropped line (every non-blank line is either a record or has a
 * problem with its line number).
 */
class LoaderFuzzTest {
    @TempDir
    Path dir;
    static final Path FIXTURES = Path.of("..", "annotation-data", "src", "test", "resources", "fixtures", "valid");
    static final byte[] JSONISH = "{}[]\":,\\0123456789-eE.tfn \n\r\t\u00e9".getBytes(StandardCharsets.UTF_8);

    static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] b = in.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b = concat(slice(b, 0, at), slice(b, Math.min(b.length, at + 1 + r.nextInt(8)), b.length));
                case 2 -> b = concat(concat(slice(b, 0, at), new byte[] {JSONISH[r.nextInt(JSONISH.length)]}), slice(b, at, b.length));
                case 3 -> b = concat(slice(b, 0, at), concat(slice(b, at, Math.min(b.length, at + 12)), slice(b, at, b.length)));
                default -> b = slice(b, 0, at);
            }
        }
        return b;
    }

    static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, Math.max(from, to));
    }

    static byte[] concat(byte[] a, byte[] c) {
        byte[] r = java.util.Arrays.copyOf(a, a.length + c.length);
        System.arraycopy(c, 0, r, a.length, c.length);
        return r;
    }

    static int nonBlankLines(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int n = 0;
        for (String line : s.split("\n", -1)) if (!line.replace("\r", "").isBlank()) n++;
        return n;
    }

    @Test
    void everyJsonlLoaderGivesAClearErrorOrAValidParseAndDropsNothing() throws Exception {
        // sorted: Map.of's iteration order changes between JVMs, and with it which mutation meets which file
        Map<String, DataKind> files = new java.util.TreeMap<>(Map.of("pretrain.jsonl", DataKind.PRETRAIN, "prompts.jsonl", DataKind.PROMPTS, "sft.jsonl", DataKind.SFT,
                "rankings.jsonl", DataKind.RANKINGS, "pairs.jsonl", DataKind.PAIRS, "candidates.jsonl", DataKind.CANDIDATES));
        SplittableRandom r = new SplittableRandom(20261125);
        int runs = 0;
        for (var e : files.entrySet()) {
            byte[] valid = Files.readAllBytes(FIXTURES.resolve(e.getKey()));
            for (int i = 0; i < 60; i++) {
                byte[] m = mutate(valid, r);
                Path f = dir.resolve("m-" + runs++ + ".jsonl");
                Files.write(f, m);
                for (Optional<DataKind> kind : List.of(Optional.of(e.getValue()), Optional.<DataKind>empty())) {
                    long t = System.nanoTime();
                    ValidationReport rep = assertDoesNotThrow(() -> DataFiles.validate(f.toString(), kind), e.getKey() + " mutation " + i);
                    assertTrue(System.nanoTime() - t < 5_000_000_000L, "no hang");
                    for (Problem p : rep.problems()) assertTrue(p.message() != null && !p.message().isBlank());
                    if (rep.problems().isEmpty()) {
                        assertEquals(nonBlankLines(m), rep.records().size(), "a valid parse keeps every line: " + f);
                    } else {
                        Set<Integer> lines = new HashSet<>();
                        boolean wholeFile = false;
                        for (Problem p : rep.problems()) {
                            // a file whose kind cannot be told, or is not the kind asked for, is refused as a whole, at the
                            // line that showed it
                            if (p.line() > 0 && !p.message().startsWith("cannot tell the data kind")
                                    && !p.message().endsWith("records were not checked further")) lines.add(p.line());
                            else wholeFile = true;
                        }
                        if (!wholeFile)
                            assertTrue(rep.records().size() + lines.size() >= nonBlankLines(m), "every line is a record or has a problem: " + f
                                    + " records " + rep.records().size() + ", lines with problems " + lines + ", non-blank lines " + nonBlankLines(m));
                    }
                }
            }
        }
    }

    @Test
    void everyConfigLoaderGivesAClearErrorOrAValidParse() throws Exception {
        Map<String, Class<?>> configs = Map.of("pretrain.json", PretrainConfig.class, "sft.json", SftConfig.class, "reward.json", RewardConfig.class,
                "ppo.json", PpoConfig.class, "eval.json", EvalConfig.class, "quickstart.json", RunConfig.class, "model-nano.json", ModelSpec.class);
        SplittableRandom r = new SplittableRandom(7);
        int runs = 0;
        for (var e : configs.entrySet()) {
            byte[] valid = Files.readAllBytes(Path.of("..", "configs", e.getKey()));
            for (int i = 0; i < 60; i++) {
                Path f = dir.resolve("c-" + runs++ + ".json");
                Files.write(f, mutate(valid, r));
                try {
                    ConfigLoader.load(f, e.getValue(), List.of());
                } catch (ConfigException ce) {
                    assertFalse(ce.problems().isEmpty());
                    for (String p : ce.problems()) assertFalse(p.isBlank());
                } catch (Throwable t) {
                    fail(e.getKey() + " mutation " + i + " threw " + t + " instead of a ConfigException:\n" + Files.readString(f, StandardCharsets.ISO_8859_1));
                }
            }
        }
    }
}
