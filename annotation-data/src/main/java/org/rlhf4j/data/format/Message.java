package org.rlhf4j.data.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation: {@code {"role": "user", "content": "..."}} on the wire.
 *
 * @param role    who speaks
 * @param content what is said; never blank
 */
public record Message(Role role, String content) {

    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        List<String> p = new ArrayList<>();
        FieldChecks.required(p, "content", content);
        FieldChecks.throwIfAny("message", p);
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content);
    }

    public static Message user(String content) {
        return new Message(Role.USER, content);
    }

    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content);
    }

    /**
     * The turn-order rules shared by dialogues and prompts: an optional system message first, then user and assistant
     * alternating, starting with user, and the last message from {@code lastRole}. Each broken rule is reported once,
     * where it happens, so one missing turn does not produce a cascade of messages.
     *
     * @param field    the wire field holding the list, used in the messages ("messages", "prompt")
     * @param lastRole the role the list must end with
     * @return one line per broken rule; empty when the order is right
     */
    public static List<String> turnOrderProblems(String field, List<Message> messages, Role lastRole) {
        List<String> p = new ArrayList<>();
        if (messages.isEmpty()) {
            p.add("\"" + field + "\" has no messages");
            return p;
        }
        Role previous = null; // the last user or assistant role before message i
        for (int i = 0; i < messages.size(); i++) {
            Role role = messages.get(i).role();
            String where = "\"" + field + "[" + i + "]\": ";
            if (role == Role.SYSTEM) {
                if (i > 0) p.add(where + "\"system\" is only allowed as the first message");
                continue;
            }
            if (previous == null && role != Role.USER)
                p.add(where + "the conversation must start with a \"user\" message, found \"" + role.wireName() + "\"");
            else if (role == previous)
                p.add(where + "two \"" + role.wireName() + "\" messages in a row (user and assistant must alternate)");
            previous = role;
        }
        Role last = messages.get(messages.size() - 1).role();
        if (last != lastRole)
            p.add("\"" + field + "\" must end with " + (lastRole == Role.ASSISTANT ? "an" : "a") + " \"" + lastRole.wireName()
                    + "\" message, ends with \"" + last.wireName() + "\"");
        return p;
    }
}
