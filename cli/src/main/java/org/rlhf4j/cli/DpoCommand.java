package org.rlhf4j.cli;

import java.util.concurrent.Callable;
import org.rlhf4j.dpo.Dpo;
import org.rlhf4j.dpo.DpoConfig;
import org.rlhf4j.policy.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "dpo", mixinStandardHelpOptions = true,
        description = "DPO or IPO: offline preference optimisation of the SFT policy on K-way rankings (all C(K,2) pairs of a "
                + "ranking grouped as one batch element, or independent), with the SFT model as the frozen reference; logs the "
                + "implicit reward's held-out accuracy against the annotators and the gold judge.")
final class DpoCommand implements Callable<Integer> {
    @Mixin
    StageOptions opts;

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(opts.config, DpoConfig.class, opts.overrides);
        var r = Dpo.run(loaded, opts.out, opts.resume, opts.command("dpo"));
        System.out.println(r.summary().toPrettyString());
        return 0;
    }
}
