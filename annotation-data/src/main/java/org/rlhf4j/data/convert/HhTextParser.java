package org.rlhf4j.data.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.HhTranscript;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.validate.JsonFields;
import org.rlhf4j.data.validate.RecordParser;

/** Reads one HH transcript, {@code {"text": "\n\nHuman: ...\n\nAssistant: ..."}}, into a dialogue. */
final class HhTextParser implements RecordParser<Dialogue> {
    @Override
    public Dialogue parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("text");
        String text = f.requiredText("text");
        List<Message> messages = text == null ? null : HhTranscript.parse("text", text, problems);
        if (problems.size() > before) return null;
        problems.addAll(Dialogue.problems(null, null, null, messages));
        return problems.size() > before ? null : new Dialogue(messages);
    }
}
