package org.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.reward.RewardScorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "reward-score", mixinStandardHelpOptions = true,
        description = "Scores (prompt, response) pairs with a reward model. Input: JSON Lines of {\"prompt\": \"...\", \"response\": \"...\"}; "
                + "output: one {\"line\": N, \"score\": S} per input line, in order. Every line is checked first; all problems are reported as FILE:LINE.")
final class RewardScoreCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Reward-model checkpoint directory (with a reward head).")
    Path checkpoint;

    @Option(names = "--in", required = true, description = "JSON Lines file of {\"prompt\", \"response\"} objects.")
    Path in;

    private final PrintStream stdout;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    RewardScoreCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    /** One input line: its 1-based number and the tokens the reward model reads. */
    record Item(int line, int[] ids) {}

    @Override
    public Integer call() throws Exception {
        Policy rm = Checkpoint.loadPolicy(checkpoint);
        if (!rm.weights().hasHead(Head.REWARD)) throw new UserError(checkpoint + ": not a reward model (the checkpoint has no reward head)");
        List<Item> items = read(rm);
        List<int[]> seqs = new ArrayList<>();
        for (Item i : items) seqs.add(i.ids());
        double[] scores = RewardScorer.scores(rm, seqs);
        for (int i = 0; i < items.size(); i++)
            stdout.println(JSON.writeValueAsString(JSON.createObjectNode().put("line", items.get(i).line()).put("score", scores[i])));
        return 0;
    }

    /** Reads and checks every line; throws a UserError listing every problem as FILE:LINE: message. */
    List<Item> read(Policy rm) throws IOException {
        if (!Files.isRegularFile(in)) throw new UserError(in + ": no such file");
        List<String> lines = Files.readAllLines(in);
        List<String> problems = new ArrayList<>();
        List<Item> items = new ArrayList<>();
        for (int n = 1; n <= lines.size(); n++) {
            String line = lines.get(n - 1);
            if (line.isBlank()) continue;
            String where = in + ":" + n + ": ";
            JsonNode o;
            try {
                o = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                problems.add(where + "not valid JSON (" + e.getOriginalMessage() + ")");
                continue;
            }
            if (o == null || !o.isObject()) {
                problems.add(where + "expected a JSON object {\"prompt\": ..., \"response\": ...}");
                continue;
            }
            int before = problems.size();
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!k.equals("prompt") && !k.equals("response")) problems.add(where + "unknown field \"" + k + "\" (expected \"prompt\" and \"response\")");
            }
            String prompt = text(o, "prompt", where, problems), response = text(o, "response", where, problems);
            if (problems.size() > before) continue;
            int[] ids = RewardScorer.render(rm, prompt, response);
            if (ids.length > rm.config().contextLength()) {
                problems.add(where + "prompt + response is " + ids.length + " tokens, more than the model's context of " + rm.config().contextLength());
                continue;
            }
            items.add(new Item(n, ids));
        }
        if (!problems.isEmpty()) throw new UserError(problems.size() + " problem(s) in " + in + ":\n" + String.join("\n", problems));
        if (items.isEmpty()) throw new UserError(in + ": no input lines");
        return items;
    }

    private static String text(JsonNode o, String field, String where, List<String> problems) {
        JsonNode v = o.get(field);
        if (v == null) problems.add(where + "missing \"" + field + "\"");
        else if (!v.isTextual()) problems.add(where + "\"" + field + "\" must be a string");
        else if (v.textValue().isBlank()) problems.add(where + "\"" + field + "\" is empty");
        else return v.textValue();
        return null;
    }
}
