package org.rlhf4j.cli;

import java.util.concurrent.Callable;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.reward.Reward;
import org.rlhf4j.reward.RewardConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "reward", mixinStandardHelpOptions = true,
        description = "Trains the reward model on K-way rankings (pairwise loss, grouped per prompt or independent), picks the "
                + "checkpoint with the best held-out accuracy against the annotators, and normalises rewards on the SFT demonstrations.")
final class RewardCommand implements Callable<Integer> {
    @Mixin
    StageOptions opts;

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(opts.config, RewardConfig.class, opts.overrides);
        var r = Reward.run(loaded, opts.out, opts.resume, opts.command("reward"));
        System.out.println(r.summary().toPrettyString());
        return 0;
    }
}
