package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * What a training stage cost, read from what it wrote: wall seconds (the pipeline's stage clock), tokens trained on,
 * and tokens generated (sampled rollouts; 0 for SFT and DPO, which train on fixed text).
 * <ul>
 *   <li>supervised-style stages ({@code sft}, {@code dpo}): {@code tokens_trained} of their summary (every token fed to a
 *       training forward/backward, padding excluded);</li>
 *   <li>{@code ppo} stages: per iteration, response tokens sampled = generate_tokens_per_s · generate_s, and tokens
 *       trained = learn_tokens_per_s · learn_s, summed over its metrics.jsonl.</li>
 * </ul>
 */
final class Costs {
    static final ObjectMapper JSON = new ObjectMapper();

    private Costs() {}

    static ObjectNode ofStage(Path dir, String kind, Double seconds) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("seconds", seconds == null ? Double.NaN : seconds);
        if ("ppo".equals(kind)) {
            Path f = dir.resolve(TrainLoop.METRICS);
            double generated = 0, trained = 0;
            boolean any = false;
            if (Files.exists(f))
                for (String line : Files.readAllLines(f)) {
                    if (line.isBlank()) continue;
                    JsonNode m = JSON.readTree(line);
                    generated += m.path("generate_tokens_per_s").asDouble(0) * m.path("generate_s").asDouble(0);
                    trained += m.path("learn_tokens_per_s").asDouble(0) * m.path("learn_s").asDouble(0);
                    any = true;
                }
            o.put("tokens_generated", any ? Math.round(generated) : -1);
            o.put("tokens_trained", any ? Math.round(trained) : -1);
        } else {
            Path f = dir.resolve(TrainLoop.SUMMARY);
            JsonNode s = Files.exists(f) ? JSON.readTree(f.toFile()) : JSON.createObjectNode();
            o.put("tokens_generated", 0);
            o.put("tokens_trained", s.path("tokens_trained").asLong(-1));
        }
        return o;
    }
}
