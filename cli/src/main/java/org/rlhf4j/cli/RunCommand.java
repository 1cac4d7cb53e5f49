package org.rlhf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.pipeline.Pipeline;
import org.rlhf4j.pipeline.RunConfig;
import org.rlhf4j.policy.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "The main job: SFT → rankings → reward model → PPO and PPO-ptx → evaluation report, one directory per stage. Unchanged stages are reused; an interrupted stage resumes.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Run config, e.g. configs/quickstart.json.")
    Path config;

    @Option(names = "--out", defaultValue = "runs/quickstart", description = "Run directory.")
    Path out;

    @Option(names = "--from", description = "Rerun from this stage on: one of sft, rankings, reward, ppo, ppo-ptx, eval. Default: reuse what is unchanged.")
    String from;

    @Option(names = "--set", description = "Override a run-config key (repeatable). Default: none.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(config, RunConfig.class, overrides);
        List<String> command = new ArrayList<>(List.of("run", config.toString(), "--out", out.toString()));
        if (from != null) command.addAll(List.of("--from", from));
        var summary = Pipeline.run(loaded, out, from, command);
        System.out.println(summary.toPrettyString());
        System.out.println("report: " + out.resolve("eval").resolve("report.html"));
        return 0;
    }
}
