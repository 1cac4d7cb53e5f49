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
        description = "The main job: SFT → rankings → reward model → PPO and PPO-ptx → evaluation report, one directory per stage. configs/compare.json adds a Plackett-Luce reward model and further methods (RLOO, GRPO, DPO, IPO, PPO against the Plackett-Luce model) to one report. Unchanged stages are reused; an interrupted stage resumes.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Run config, e.g. configs/quickstart.json.")
    Path config;

    @Option(names = "--out", description = "Run directory. Default: runs/NAME for a run config NAME.json (runs/quickstart, runs/compare).")
    Path out;

    @Option(names = "--from", description = "Rerun from this stage on: one of sft, rankings, reward, reward-pl (when configured), ppo, ppo-ptx, the name of any of the run config's methods, eval. Default: reuse what is unchanged.")
    String from;

    @Option(names = "--set", description = "Override a run-config key (repeatable). Default: none.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(config, RunConfig.class, overrides);
        if (out == null) out = defaultOut(config);
        List<String> command = new ArrayList<>(List.of("run", config.toString(), "--out", out.toString()));
        if (from != null) command.addAll(List.of("--from", from));
        var summary = Pipeline.run(loaded, out, from, command);
        System.out.println(summary.toPrettyString());
        System.out.println("report: " + out.resolve("eval").resolve("report.html"));
        return 0;
    }

    /** runs/NAME for a run config NAME.json. */
    static Path defaultOut(Path config) {
        String name = config.getFileName().toString();
        return Path.of("runs", name.endsWith(".json") ? name.substring(0, name.length() - 5) : name);
    }
}
