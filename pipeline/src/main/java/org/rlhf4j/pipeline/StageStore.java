package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.io.AtomicFiles;

/**
 * Decides whether a stage of {@code run} can be reused. A stage's fingerprint is the SHA-256 of its name, its
 * resolved config and its parents' fingerprints; {@code STAGE/stage.json} records it when the stage completes.
 * A directory whose {@code stage.json} matches is reused; one that only has {@code stage-started.json} with the same
 * fingerprint was interrupted and is resumed; anything else is rebuilt from scratch.
 */
final class StageStore {
    static final String DONE = "stage.json", STARTED = "stage-started.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    enum State { REUSE, RESUME, FRESH }

    private StageStore() {}

    static String fingerprint(String stage, JsonNode resolvedConfig, String... parents) throws IOException {
        StringBuilder sb = new StringBuilder(stage).append('\n').append(JSON.writeValueAsString(resolvedConfig));
        for (String p : parents) sb.append('\n').append(p);
        return Provenance.sha256(new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    static State state(Path dir, String fingerprint) throws IOException {
        if (matches(dir.resolve(DONE), fingerprint)) return State.REUSE;
        if (matches(dir.resolve(STARTED), fingerprint)) return State.RESUME;
        return State.FRESH;
    }

    private static boolean matches(Path f, String fingerprint) throws IOException {
        return Files.exists(f) && fingerprint.equals(JSON.readTree(f.toFile()).path("fingerprint").asText());
    }

    static void started(Path dir, String stage, String fingerprint) throws IOException {
        Files.createDirectories(dir);
        ObjectNode o = JSON.createObjectNode().put("stage", stage).put("fingerprint", fingerprint).put("started_at", Instant.now().toString());
        AtomicFiles.writeString(dir.resolve(STARTED), o.toPrettyString());
    }

    static void done(Path dir, String stage, String fingerprint, double seconds) throws IOException {
        ObjectNode o = JSON.createObjectNode().put("stage", stage).put("fingerprint", fingerprint)
                .put("completed_at", Instant.now().toString()).put("seconds", seconds);
        AtomicFiles.writeString(dir.resolve(DONE), o.toPrettyString());
    }

    static double seconds(Path dir) throws IOException {
        Path f = dir.resolve(DONE);
        return Files.exists(f) ? JSON.readTree(f.toFile()).path("seconds").asDouble(Double.NaN) : Double.NaN;
    }
}
