package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Split;

/** Reads {@code {"id", "prompt", "family", "split", "gold"}}; ids must be unique within the file. */
final class PromptsParser implements RecordParser<PromptRecord> {
    private final Map<String, Integer> lineOfId = new HashMap<>();

    @Override
    public PromptRecord parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("id", "prompt", "family", "split", "gold");
        String id = f.requiredText("id");
        String prompt = f.requiredText("prompt");
        String family = f.optionalText("family");
        Split split = f.optionalSplit();
        JsonNode gold = f.optionalGold();
        problems.addAll(PromptRecord.problems(id, prompt, family, gold));
        if (id != null && !id.isBlank()) {
            Integer first = lineOfId.putIfAbsent(id, line);
            if (first != null) problems.add("\"id\" \"" + id + "\" is already used on line " + first);
        }
        return problems.size() > before ? null : new PromptRecord(id, prompt, family, split, gold);
    }
}
