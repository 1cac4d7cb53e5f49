package org.rlhf4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;

/**
 * A model as the bytes of its checkpoint directory (safetensors weights, config, tokenizer, manifest): what is
 * broadcast once per run for the frozen models. Executors write the files to a temporary directory and load them with
 * the ordinary checkpoint reader, manifest check included.
 */
public record ModelFiles(Map<String, byte[]> files) implements Serializable {
    public static ModelFiles of(Policy policy) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("rlhf4j-ship-");
            Path ckpt = dir.resolve("model");
            Checkpoint.save(ckpt, policy, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("shipped_to", "spark executors"), null, null, null);
            Map<String, byte[]> files = new LinkedHashMap<>();
            try (Stream<Path> s = Files.list(ckpt)) {
                for (Path f : s.sorted().toList()) files.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
            return new ModelFiles(files);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    public long bytes() {
        long n = 0;
        for (byte[] b : files.values()) n += b.length;
        return n;
    }

    public Policy load() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("rlhf4j-shipped-");
            for (var e : files.entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
            return Checkpoint.loadPolicy(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir == null) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
