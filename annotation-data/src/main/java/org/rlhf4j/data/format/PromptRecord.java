package org.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One prompt for sampling or labelling: {@code {"id": "def-00012", "prompt": "...", "family": "...", "split": "train",
 * "gold": {...}}}.
 *
 * @param id     unique within its file; never blank
 * @param prompt the user's request; never blank
 * @param family the task family it was drawn from; null when not given
 * @param split  train, validation or test; null when not given
 * @param gold   free-form reference data for the family's judge (a JSON object); null when not given
 */
public record PromptRecord(String id, String prompt, String family, Split split, JsonNode gold) {

    public PromptRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        FieldChecks.throwIfAny("prompt record", problems(id, prompt, family, gold));
        gold = gold == null ? null : gold.deepCopy();
    }

    public PromptRecord(String id, String prompt) {
        this(id, prompt, null, null, null);
    }

    /** What is wrong with these field values; a null required field is reported as missing. */
    public static List<String> problems(String id, String prompt, String family, JsonNode gold) {
        List<String> p = new ArrayList<>();
        FieldChecks.required(p, "id", id);
        FieldChecks.required(p, "prompt", prompt);
        FieldChecks.optional(p, "family", family);
        FieldChecks.gold(p, gold);
        return p;
    }

    /** A copy of the gold object, so callers cannot change this record; null when absent. */
    @Override
    public JsonNode gold() {
        return gold == null ? null : gold.deepCopy();
    }
}
