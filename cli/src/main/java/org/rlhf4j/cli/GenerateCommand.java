package org.rlhf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.generate.Generator;
import org.rlhf4j.policy.generate.SamplingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Sample a response from a checkpoint (KV-cache decoding).")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory.")
    Path checkpoint;

    @Option(names = "--prompt", required = true, description = "The user's message (rendered with the chat template unless --raw).")
    String prompt;

    @Option(names = "--raw", description = "Continue the text as-is (BOS + text) instead of answering it as a user turn.")
    boolean raw;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens (0 = off).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass (1 = off).")
    double topP;

    @Option(names = "--greedy", description = "Arg-max decoding.")
    boolean greedy;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Maximum new tokens.")
    int maxNewTokens;

    @Option(names = "--stop", description = "Stop once the response contains this string (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed.")
    long seed;

    @Option(names = "--n", defaultValue = "1", description = "Number of samples (one batch).")
    int n;

    @Option(names = "--json", description = "Print JSON (text, ids, logprobs, finish) instead of plain text.")
    boolean json;

    private final PrintStream stdout;

    @Inject
    GenerateCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        Policy p = Checkpoint.loadPolicy(checkpoint);
        SamplingConfig cfg = new SamplingConfig(temperature, topK, topP, greedy, maxNewTokens, stop);
        int[] ids;
        if (raw) {
            int[] text = p.tokenizer().encode(prompt);
            ids = new int[text.length + 1];
            ids[0] = p.tokenizer().bos();
            System.arraycopy(text, 0, ids, 1, text.length);
        } else {
            ids = p.chat().renderPrompt(prompt);
        }
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < n; i++) prompts.add(ids);
        Generator.Result r = p.generate(prompts, cfg, seed);
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < n; i++) {
            String text = p.tokenizer().decode(r.tokens().get(i));
            if (json) {
                ObjectNode o = om.createObjectNode();
                o.put("text", text);
                o.set("ids", om.valueToTree(r.tokens().get(i)));
                o.set("logprobs", om.valueToTree(r.logprobs().get(i)));
                o.put("finish", r.finish().get(i).name().toLowerCase());
                stdout.println(om.writeValueAsString(o));
            } else {
                stdout.println(text);
            }
        }
        return 0;
    }
}
