package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.data.validate.JsonlValidator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "validate", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Check JSON Lines data files to the end: every problem as FILE:LINE: message, one summary per file."
                + " Exit 0: all valid; 1: problems; 2: usage error.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to check (paths or embedded:NAME; .gz is read gunzipped).")
    List<String> files;

    @Option(names = "--kind", description = "pretrain, prompts, sft, rankings, pairs or candidates. Default: told from each file's first record.")
    String kind;

    @Option(names = "--max-line-bytes", defaultValue = "" + JsonlValidator.DEFAULT_MAX_LINE_BYTES, description = "Longest line accepted, in bytes.")
    int maxLineBytes;

    private final PrintStream stdout;

    @Inject
    ValidateCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() {
        if (maxLineBytes < 1) {
            stdout.println("validate: --max-line-bytes must be >= 1, got " + maxLineBytes);
            return org.rlhf4j.data.validate.ValidateCommand.USAGE;
        }
        return new org.rlhf4j.data.validate.ValidateCommand(new JsonlValidator(maxLineBytes)).run(files, kind, stdout);
    }
}
