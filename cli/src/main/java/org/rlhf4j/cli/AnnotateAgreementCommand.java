package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.rlhf4j.data.world.AnnotatorAgreement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agreement", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Print the simulated annotator pool's inter-annotator agreement on held-out response pairs"
                + " (InstructGPT's labellers: 72.6 ± 1.5 %%).")
final class AnnotateAgreementCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the annotators' noise.")
    long seed;

    private final PrintStream stdout;

    @Inject
    AnnotateAgreementCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() {
        stdout.print(AnnotatorAgreement.measureDefault(seed).table());
        return 0;
    }
}
