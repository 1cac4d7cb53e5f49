package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.rlhf4j.data.convert.Converter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert other tools' data into this project's kinds (validated; OUT written atomically, or not at all)."
                + " Exit 0: converted; 1: input problems; 2: usage error.")
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "pairs, prompt-completion or hh-text.")
    String from;

    @Option(names = "--to", required = true, description = "rankings (from pairs) or sft (from prompt-completion, hh-text).")
    String to;

    @Parameters(index = "0", paramLabel = "IN", description = "Input file (path or embedded:NAME).")
    String in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output file (.gz to compress).")
    String out;

    private final PrintStream stdout;

    @Inject
    ConvertCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() {
        return new Converter().run(from, to, in, out, stdout);
    }
}
