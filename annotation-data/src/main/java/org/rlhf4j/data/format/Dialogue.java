package org.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One supervised fine-tuning demonstration: {@code {"id": ..., "family": ..., "split": ..., "gold": {...},
 * "messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}}. The messages are an
 * optional system message, then user and assistant alternating, starting with user and ending with assistant.
 *
 * @param id       an identifier; null when not given
 * @param family   the task family; null when not given
 * @param split    train, validation or test; null when not given
 * @param gold     free-form reference data (a JSON object); null when not given
 * @param messages the conversation, in order
 */
public record Dialogue(String id, String family, Split split, JsonNode gold, List<Message> messages) {

    public Dialogue {
        Objects.requireNonNull(messages, "messages");
        messages = List.copyOf(messages);
        FieldChecks.throwIfAny("dialogue", problems(id, family, gold, messages));
        gold = gold == null ? null : gold.deepCopy();
    }

    public Dialogue(List<Message> messages) {
        this(null, null, null, null, messages);
    }

    /** What is wrong with these field values; null messages are not checked (the caller reports them). */
    public static List<String> problems(String id, String family, JsonNode gold, List<Message> messages) {
        List<String> p = new ArrayList<>();
        FieldChecks.optional(p, "id", id);
        FieldChecks.optional(p, "family", family);
        FieldChecks.gold(p, gold);
        if (messages != null) p.addAll(Message.turnOrderProblems("messages", messages, Role.ASSISTANT));
        return p;
    }

    /** Everything before the final assistant message: what a model is given to produce {@link #finalReply()}. */
    public List<Message> context() {
        return messages.subList(0, messages.size() - 1);
    }

    /** The last assistant message's content. */
    public String finalReply() {
        return messages.get(messages.size() - 1).content();
    }

    /** A copy of the gold object; null when absent. */
    @Override
    public JsonNode gold() {
        return gold == null ? null : gold.deepCopy();
    }
}
