package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.data.annotate.CandidateSampling;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.InvalidDataException;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.generate.SamplingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Sample K distinct responses per prompt from a checkpoint into a candidates file (written atomically)."
                + " Prompts without K distinct non-empty responses after a few resamples are dropped and reported."
                + " Exit 0: written; 1: bad input data or no prompt kept; 2: usage error.")
final class AnnotateSampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory to sample from (recorded as each response's source).")
    Path checkpoint;

    @Option(names = "--prompts", required = true, description = "Prompts file (path or embedded:NAME, e.g. embedded:prompts.train.jsonl.gz).")
    String prompts;

    @Option(names = "--k", required = true, description = "Responses per prompt (2 to 9).")
    int k;

    @Option(names = "--out", required = true, description = "Candidates file to write (.gz to compress).")
    Path out;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass (1 = off).")
    double topP;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Longest response, in tokens.")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (each response records its own row seed).")
    long seed;

    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N prompts (0 = all).")
    int limit;

    private final PrintStream stdout;

    @Inject
    AnnotateSampleCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        SamplingConfig cfg;
        try {
            cfg = new SamplingConfig(temperature, 0, topP, false, maxNewTokens, List.of());
            if (k < 2 || k > 9) throw new IllegalArgumentException("--k must be between 2 and 9, got " + k);
            if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        } catch (IllegalArgumentException e) {
            stdout.println("annotate sample: " + e.getMessage());
            return 2;
        }
        List<PromptRecord> records;
        try {
            records = DataFiles.loadPrompts(prompts);
        } catch (InvalidDataException e) {
            e.problems().forEach(stdout::println);
            return 1;
        }
        if (limit > 0 && limit < records.size()) records = records.subList(0, limit);
        Policy policy = Checkpoint.loadPolicy(checkpoint);
        CandidateSampling.Result r = CandidateSampling.sample(policy, records, k, cfg, seed, checkpoint.toString());
        stdout.println(r.summary());
        if (r.candidates().isEmpty()) {
            stdout.println("annotate sample: no prompt got " + k + " distinct responses; nothing written to " + out);
            return 1;
        }
        JsonlWriter.write(out, r.candidates());
        stdout.println("wrote " + r.candidates().size() + " candidates to " + out);
        return 0;
    }
}
