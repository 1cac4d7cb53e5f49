package org.rlhf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every training stage takes. */
final class StageOptions {
    @Option(names = "--config", required = true, description = "Stage config (JSON).")
    Path config;

    @Option(names = "--out", required = true, description = "Output directory (checkpoints best/ and last/, metrics.jsonl, summary.json).")
    Path out;

    @Option(names = "--set", description = "Override a config key, e.g. --set loop.steps=100 (repeatable). Default: none.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", description = "Continue from OUT/last if it exists (weights, optimizer, step, data order).")
    boolean resume;

    /** The invocation, for provenance. */
    List<String> command(String name) {
        List<String> c = new ArrayList<>(List.of(name, "--config", config.toString(), "--out", out.toString()));
        for (String o : overrides) c.addAll(List.of("--set", o));
        if (resume) c.add("--resume");
        return c;
    }
}
