package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.rlhf4j.data.validate.DataSpec;
import org.rlhf4j.data.validate.InvalidDataException;
import org.rlhf4j.data.validate.Problem;

/**
 * The cloze capability probe: held-out corpus sentences with one word blanked ("___"), candidate words and the index
 * of the right one. A policy answers by the candidate whose filled-in sentence it finds most likely. Loaded strictly:
 * every malformed line is reported as FILE:LINE.
 */
public final class ClozeItems {
    private ClozeItems() {}

    public record Item(String id, String context, List<String> candidates, int answer) {
        public String filled(int i) {
            return context.replace("___", candidates.get(i));
        }
    }

    public static List<Item> load(String spec) throws IOException {
        ObjectMapper om = new ObjectMapper();
        List<Item> items = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new DataSpec(spec).open(), StandardCharsets.UTF_8))) {
            int n = 0;
            for (String line; (line = r.readLine()) != null; ) {
                n++;
                try {
                    JsonNode j = om.readTree(line);
                    List<String> bad = new ArrayList<>();
                    j.fieldNames().forEachRemaining(f -> {
                        if (!Set.of("id", "context", "candidates", "answer").contains(f)) bad.add("unknown field \"" + f + "\"");
                    });
                    if (!j.path("context").isTextual() || !j.path("context").asText().contains("___")) bad.add("context: expected a string with one ___ blank");
                    if (!j.path("candidates").isArray() || j.path("candidates").size() < 2) bad.add("candidates: expected an array of at least 2 strings");
                    int answer = j.path("answer").asInt(-1);
                    if (!j.path("answer").isInt() || answer < 0 || answer >= j.path("candidates").size()) bad.add("answer: expected an index into candidates");
                    for (String b : bad) problems.add(new Problem(spec, n, b));
                    if (!bad.isEmpty()) continue;
                    List<String> cands = new ArrayList<>();
                    j.get("candidates").forEach(c -> cands.add(c.asText()));
                    items.add(new Item(j.path("id").asText(), j.get("context").asText(), cands, answer));
                } catch (IOException e) {
                    problems.add(new Problem(spec, n, "malformed JSON"));
                }
            }
        }
        if (!problems.isEmpty()) throw new InvalidDataException(problems);
        return items;
    }
}
