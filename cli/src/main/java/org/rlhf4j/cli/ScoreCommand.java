package org.rlhf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Per-token log-probs of a text or of token ids: token_logprobs[i] = log P(ids[i+1] | ids[0..i]).")
final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory.")
    Path checkpoint;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", description = "Text to score; BOS is prepended so the first character is scored too.")
        String text;

        @Option(names = "--ids", split = ",", description = "Comma-separated token ids, scored as given.")
        int[] ids;
    }

    @Option(names = "--temperature", defaultValue = "1.0", description = "Divide logits by this before the softmax.")
    double temperature;

    private final PrintStream stdout;

    @Inject
    ScoreCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        Policy p = Checkpoint.loadPolicy(checkpoint);
        int[] ids;
        if (input.ids != null) {
            ids = input.ids;
        } else {
            int[] t = p.tokenizer().encode(input.text);
            ids = new int[t.length + 1];
            ids[0] = p.tokenizer().bos();
            System.arraycopy(t, 0, ids, 1, t.length);
        }
        if (ids.length < 2) throw new UserError("need at least 2 tokens to score, got " + ids.length);
        for (int id : ids)
            if (id < 0 || id >= p.config().vocabSize()) throw new UserError("token id " + id + " is outside the vocabulary (0.." + (p.config().vocabSize() - 1) + ")");
        if (ids.length > p.config().contextLength()) throw new UserError(ids.length + " tokens exceed the context length " + p.config().contextLength());
        float[] lp = p.score(List.of(ids), temperature, false, false).tokenLogprobs().get(0);
        ObjectMapper om = new ObjectMapper();
        ObjectNode o = om.createObjectNode();
        o.set("ids", om.valueToTree(ids));
        o.set("token_logprobs", om.valueToTree(lp));
        double sum = 0;
        for (float v : lp) sum += v;
        o.put("sum_logprob", sum);
        o.put("mean_logprob", sum / lp.length);
        stdout.println(om.writeValueAsString(o));
        return 0;
    }
}
