package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.policy.ModelSpec;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true, description = "Write a randomly initialised checkpoint of the configured shape.")
final class InitCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Model spec JSON: {\"model\": {…}, \"tokenizer\": \"byte\", \"seed\": 0}.")
    Path config;

    @Option(names = "--out", required = true, description = "Checkpoint directory to write (replaced atomically if it exists).")
    Path out;

    @Option(names = "--set", description = "Override a config key, e.g. --set seed=3 (repeatable). Default: none.")
    List<String> overrides = new ArrayList<>();

    private final PrintStream stdout;

    @Inject
    InitCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(config, ModelSpec.class, overrides);
        Policy p = loaded.config().initialise();
        var prov = Provenance.create("init", List.of("init", "--config", config.toString()), loaded.resolved(),
                Map.of(config.toString(), Provenance.sha256(config)), loaded.config().seed(), null);
        Checkpoint.save(out, p, prov, null, null, null);
        stdout.printf("wrote %s: %,d parameters, %.2f MFLOP/token forward%n", out, p.parameterCount(), p.forwardFlopsPerToken() / 1e6);
        return 0;
    }
}
