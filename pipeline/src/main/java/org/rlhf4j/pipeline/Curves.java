package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A PPO run's per-iteration metrics (its metrics.jsonl), read for the report's curves. */
public record Curves(String name, List<JsonNode> rows) {
    public static Curves read(String name, Path runDir) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        Path f = runDir.resolve("metrics.jsonl");
        if (Files.exists(f)) {
            ObjectMapper om = new ObjectMapper();
            for (String line : Files.readAllLines(f)) if (!line.isBlank()) rows.add(om.readTree(line));
        }
        return new Curves(name, rows);
    }

    /** The series of the first of {@code keys} that the rows carry (metric names differ between versions). */
    public double[] series(String... keys) {
        for (String k : keys) {
            if (!rows.isEmpty() && rows.get(0).has(k)) {
                double[] v = new double[rows.size()];
                for (int i = 0; i < v.length; i++) v[i] = rows.get(i).path(k).asDouble(Double.NaN);
                return v;
            }
        }
        return null;
    }

    public double[] iterations() {
        double[] it = series("iteration", "step");
        if (it != null) return it;
        double[] v = new double[rows.size()];
        for (int i = 0; i < v.length; i++) v[i] = i + 1;
        return v;
    }

    public double[] proxy() {
        return series("rm_score", "proxy_reward", "reward_mean", "proxy");
    }

    public double[] gold() {
        return series("gold_score", "gold", "gold_mean");
    }

    public double[] klPerResponse() {
        return series("kl_per_response", "kl_response", "kl");
    }

    public double[] beta() {
        return series("beta", "kl_coef");
    }

    public double[] length() {
        return series("response_length", "mean_response_tokens", "length");
    }
}
