package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.rlhf4j.data.annotate.SimulatedLabelling;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.InvalidDataException;
import org.rlhf4j.data.world.AnnotatorPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Rank every candidates record with the simulated annotator pool (one annotator drawn per record) into a"
                + " rankings file (written atomically). Exit 0: written; 1: bad input data.")
final class AnnotateSimulateCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "Candidates file (path or embedded:NAME).")
    String in;

    @Option(names = "--out", required = true, description = "Rankings file to write (.gz to compress).")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the annotators' draws and noise.")
    long seed;

    private final PrintStream stdout;

    @Inject
    AnnotateSimulateCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        List<Ranking> rankings;
        try {
            List<Candidates> candidates = DataFiles.loadCandidates(in);
            rankings = SimulatedLabelling.rank(candidates, AnnotatorPool.defaultPool(), seed);
        } catch (InvalidDataException e) {
            e.problems().forEach(stdout::println);
            return 1;
        } catch (IllegalArgumentException e) {
            stdout.println(in + ": " + e.getMessage());
            return 1;
        }
        JsonlWriter.write(out, rankings);
        Map<String, Integer> by = new TreeMap<>();
        rankings.forEach(r -> by.merge(r.annotator(), 1, Integer::sum));
        stdout.println("wrote " + rankings.size() + " rankings to " + out + " (by annotator: " + by + ")");
        return 0;
    }
}
