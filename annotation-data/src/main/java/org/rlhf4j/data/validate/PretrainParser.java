package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlhf4j.data.format.PretrainDoc;

/** Reads {@code {"text": "...", "source": "..."}}. */
final class PretrainParser implements RecordParser<PretrainDoc> {
    @Override
    public PretrainDoc parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("text", "source");
        String text = f.requiredText("text");
        String source = f.optionalText("source");
        problems.addAll(PretrainDoc.problems(text, source));
        return problems.size() > before ? null : new PretrainDoc(text, source);
    }
}
