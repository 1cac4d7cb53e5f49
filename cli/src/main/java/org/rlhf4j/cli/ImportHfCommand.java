package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.hf.HfGpt2;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import-hf", mixinStandardHelpOptions = true,
        description = "Import a Hugging Face GPT-2 directory (config.json + model.safetensors) as an rlhf4j checkpoint.")
final class ImportHfCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Hugging Face model directory.")
    Path hfDir;

    @Option(names = "--out", required = true, description = "Checkpoint directory to write.")
    Path out;

    private final PrintStream stdout;

    @Inject
    ImportHfCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        HfGpt2.Imported imp = HfGpt2.importDir(hfDir);
        var config = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("hf_dir", hfDir.toAbsolutePath().toString());
        var prov = Provenance.create("import-hf", List.of("import-hf", hfDir.toString(), "--out", out.toString()), config,
                Map.of(hfDir.resolve(HfGpt2.CONFIG).toString(), Provenance.sha256(hfDir.resolve(HfGpt2.CONFIG)),
                        hfDir.resolve(HfGpt2.WEIGHTS).toString(), Provenance.sha256(hfDir.resolve(HfGpt2.WEIGHTS))), 0, null);
        prov.set("import", new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(Map.of("ignored_tensors", imp.ignoredTensors(), "notes", imp.notes())));
        Checkpoint.save(out, imp.policy(), prov, null, null, null);
        stdout.printf("wrote %s: %,d parameters, tokenizer %s; ignored %d tensors %s%n", out, imp.policy().parameterCount(),
                imp.policy().tokenizer().spec().type(), imp.ignoredTensors().size(), imp.ignoredTensors());
        for (String n : imp.notes()) stdout.println("note: " + n);
        return 0;
    }
}
