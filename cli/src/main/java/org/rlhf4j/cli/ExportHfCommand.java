package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.hf.HfGpt2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export-hf", mixinStandardHelpOptions = true,
        description = "Export a checkpoint as a Hugging Face GPT-2 directory (config.json + model.safetensors, as GPT2LMHeadModel.save_pretrained writes).")
final class ExportHfCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Checkpoint directory.")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "Hugging Face directory to write.")
    Path out;

    private final PrintStream stdout;

    @Inject
    ExportHfCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        Policy p = Checkpoint.loadPolicy(checkpoint);
        HfGpt2.exportDir(p, out);
        stdout.printf("wrote %s (GPT2LMHeadModel layout, %,d parameters)%n", out, p.parameterCount());
        return 0;
    }
}
