package org.rlhf4j.data.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.HhTranscript;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.validate.JsonFields;
import org.rlhf4j.data.validate.RecordParser;

/**
 * Reads TRL's prompt-completion form into a dialogue: {@code {"prompt": "...", "completion": "..."}} becomes a user
 * and an assistant message (a prompt written as an HH transcript is read into its turns, and its completion trimmed),
 * and the conversational
 * form, where both are lists of messages, becomes their concatenation.
 */
final class PromptCompletionParser implements RecordParser<Dialogue> {
    @Override
    public Dialogue parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("prompt", "completion");
        JsonNode prompt = f.get("prompt"), completion = f.get("completion");
        if (prompt == null) problems.add("missing field \"prompt\"");
        if (completion == null) problems.add("missing field \"completion\"");
        if (prompt == null || completion == null) return null;
        List<Message> messages = null;
        if (prompt.isTextual() && completion.isTextual()) {
            messages = strings(prompt.textValue(), completion.textValue(), problems);
        } else if (prompt.isArray() && completion.isArray()) {
            List<Message> p = f.messages("prompt", true), c = f.messages("completion", true);
            if (p != null && c != null) {
                messages = new ArrayList<>(p);
                messages.addAll(c);
            }
        } else {
            problems.add("\"prompt\" and \"completion\" must both be strings or both lists of messages; found "
                    + JsonFields.describe(prompt) + " and " + JsonFields.describe(completion));
        }
        problems.addAll(Dialogue.problems(null, null, null, messages));
        return problems.size() > before ? null : new Dialogue(messages);
    }

    private static List<Message> strings(String prompt, String completion, List<String> problems) {
        List<Message> messages = new ArrayList<>();
        if (prompt.isBlank()) problems.add("\"prompt\" is empty");
        else if (HhTranscript.looksLikeTranscript(prompt)) {
            messages.addAll(HhTranscript.parsePrompt("prompt", prompt, problems));
            completion = completion.strip(); // it follows "Assistant:" and carries its space
        } else {
            messages.add(Message.user(prompt));
        }
        if (completion.isBlank()) problems.add("\"completion\" is empty");
        else messages.add(Message.assistant(completion));
        // With a turn missing, the order check would only repeat the problem just reported.
        return prompt.isBlank() || completion.isBlank() ? null : messages;
    }
}
