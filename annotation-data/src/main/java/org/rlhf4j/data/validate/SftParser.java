package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.Split;

/** Reads {@code {"id", "family", "split", "gold", "messages": [...]}}. */
final class SftParser implements RecordParser<Dialogue> {
    @Override
    public Dialogue parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("id", "family", "split", "gold", "messages");
        String id = f.optionalText("id");
        String family = f.optionalText("family");
        Split split = f.optionalSplit();
        JsonNode gold = f.optionalGold();
        List<Message> messages = f.messages("messages", true);
        problems.addAll(Dialogue.problems(id, family, gold, messages));
        return problems.size() > before ? null : new Dialogue(id, family, split, gold, messages);
    }
}
