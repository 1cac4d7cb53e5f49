package org.rlhf4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rlhf4j annotate ...}: make candidates, label them (simulated or by people), measure the simulated labellers. */
@Command(name = "annotate", mixinStandardHelpOptions = true,
        description = "Comparison data: sample K candidate responses per prompt, rank them with the simulated annotator pool"
                + " or on a labelling page for people, and measure the pool's agreement.",
        subcommands = {AnnotateSampleCommand.class, AnnotateSimulateCommand.class, AnnotateServeCommand.class,
                AnnotateAgreementCommand.class})
final class AnnotateCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
