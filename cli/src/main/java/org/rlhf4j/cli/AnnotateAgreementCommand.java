package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.rlhf4j.data.annotate.RankingsAgreement;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.InvalidDataException;
import org.rlhf4j.data.world.AnnotatorAgreement;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agreement", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Print the inter-annotator agreement (InstructGPT's labellers: 72.6 ± 1.5 %%): of the simulated"
                + " annotator pool on held-out response pairs, or with --rankings, of the people who ranked the same items"
                + " (annotate serve --overlap). Exit 1: bad data, or no item ranked by two people.")
final class AnnotateAgreementCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the simulated annotators' noise.")
    long seed;

    @Option(names = "--rankings", description = "A rankings file (path or embedded:NAME): measure its annotators instead"
            + " of the simulated pool, on the items two or more of them ranked.")
    String rankings;

    private final PrintStream stdout;

    @Inject
    AnnotateAgreementCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() {
        if (rankings == null) {
            stdout.print(AnnotatorAgreement.measureDefault(seed).table());
            return 0;
        }
        RankingsAgreement agreement;
        try {
            agreement = RankingsAgreement.of(DataFiles.loadRankings(rankings));
        } catch (InvalidDataException e) {
            e.problems().forEach(stdout::println);
            return 1;
        }
        if (agreement.items() == 0) {
            stdout.println("annotate agreement: no item in " + rankings + " is ranked by two different annotators, so there"
                    + " is nothing to compare (serve it with --overlap 2 or more)");
            return 1;
        }
        stdout.print(agreement.table());
        return 0;
    }
}
