package org.rlhf4j.cli;

import java.util.concurrent.Callable;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "ppo", mixinStandardHelpOptions = true,
        description = {"PPO against a reward model with a KL penalty to the SFT policy (optionally PPO-ptx), then gold-judge and held-out perplexity of SFT vs PPO.",
                "With a cluster section or --set cluster.master=local[2] (any Spark master URL), rollouts and minibatch gradients run on Apache Spark (README: On a Spark cluster)."})
final class PpoCommand implements Callable<Integer> {
    @Mixin
    StageOptions opts;

    @Override
    public Integer call() throws Exception {
        if (SparkLaunch.wanted(opts.config, opts.overrides)) return SparkLaunch.run(opts.command("ppo"));   // module spark, its own JVM
        var loaded = ConfigLoader.load(opts.config, PpoConfig.class, opts.overrides);
        var r = Ppo.run(loaded, opts.out, opts.resume, opts.command("ppo"));
        System.out.println(r.summary().toPrettyString());
        return 0;
    }
}
