package org.rlhf4j.cli;

import java.util.concurrent.Callable;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.sft.Pretrain;
import org.rlhf4j.sft.PretrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "pretrain", mixinStandardHelpOptions = true, description = "Pretrain a base model from random weights (next-token loss on every token).")
final class PretrainCommand implements Callable<Integer> {
    @Mixin
    StageOptions opts;

    @Override
    public Integer call() throws Exception {
        var loaded = ConfigLoader.load(opts.config, PretrainConfig.class, opts.overrides);
        var r = Pretrain.run(loaded, opts.out, opts.resume, opts.command("pretrain"));
        System.out.println(r.summary().toPrettyString());
        return 0;
    }
}
