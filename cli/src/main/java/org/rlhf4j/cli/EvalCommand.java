package org.rlhf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.pipeline.EvalConfig;
import org.rlhf4j.pipeline.Evaluate;
import org.rlhf4j.pipeline.Curves;
import org.rlhf4j.pipeline.Report;
import org.rlhf4j.policy.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate policies on held-out prompts and text (gold judges, win rate vs SFT, RM score, KL, best-of-n, alignment tax, pass@k) and write report.html, report.md and summary.json.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Evaluation config (JSON).")
    Path config;

    @Option(names = "--out", required = true, description = "Directory for the report.")
    Path out;

    @Option(names = "--set", description = "Override a config key (repeatable). Default: none.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--policy", required = true, description = "NAME=CHECKPOINT, repeatable, in table order; one must be named sft.")
    List<String> policies = new ArrayList<>();

    @Option(names = "--reward-model", required = true, description = "Reward-model checkpoint (scores responses, reranks best-of-n).")
    Path rewardModel;

    @Option(names = "--ppo-run", description = "NAME=DIR of a PPO run whose metrics.jsonl gives the curves (repeatable). Default: none.")
    List<String> ppoRuns = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(config, EvalConfig.class, overrides);
        List<Evaluate.Entry> entries = new ArrayList<>();
        Path sft = null;
        for (String p : policies) {
            String[] kv = split(p, "--policy");
            entries.add(new Evaluate.Entry(kv[0], Path.of(kv[1])));
            if (kv[0].equals("sft")) sft = Path.of(kv[1]);
        }
        if (sft == null) throw new UserError("--policy: one policy must be named sft (the reference for win rates and KL)");
        List<Curves> curves = new ArrayList<>();
        for (String r : ppoRuns) {
            String[] kv = split(r, "--ppo-run");
            curves.add(Curves.read(kv[0], Path.of(kv[1])));
        }
        var outcome = Evaluate.run(loaded.config(), entries, sft, rewardModel);
        Report.write(out, outcome, curves, null);
        System.out.println("wrote " + out.resolve("report.html"));
        return 0;
    }

    private static String[] split(String s, String option) {
        int eq = s.indexOf('=');
        if (eq <= 0) throw new UserError(option + " " + s + ": expected NAME=PATH");
        return new String[] {s.substring(0, eq), s.substring(eq + 1)};
    }
}
