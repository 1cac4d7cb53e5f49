package org.rlhf4j.cli;

import java.util.concurrent.Callable;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.sft.Sft;
import org.rlhf4j.sft.SftConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "sft", mixinStandardHelpOptions = true, description = "Supervised fine-tuning on dialogues (loss on assistant tokens only), with gold-judge scores of base and SFT.")
final class SftCommand implements Callable<Integer> {
    @Mixin
    StageOptions opts;

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(opts.config, SftConfig.class, opts.overrides);
        var r = Sft.run(loaded, opts.out, opts.resume, opts.command("sft"));
        System.out.println(r.summary().toPrettyString());
        return 0;
    }
}
