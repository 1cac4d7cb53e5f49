package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlhf4j.data.format.ClozeItem;

/** Reads {@code {"id": ..., "context": "... ___ ...", "candidates": [...], "answer": i}}. */
final class ClozeParser implements RecordParser<ClozeItem> {
    @Override
    public ClozeItem parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("id", "context", "candidates", "answer");
        String id = f.requiredText("id");
        String context = f.requiredText("context");
        List<String> candidates = f.textList("candidates", true);
        Long answer = f.optionalLong("answer");
        if (answer == null && !object.has("answer")) problems.add("missing field \"answer\"");
        if (problems.size() > before) return null;
        problems.addAll(ClozeItem.problems(id, context, candidates, answer.intValue()));
        return problems.size() > before ? null : new ClozeItem(id, context, candidates, answer.intValue());
    }
}
