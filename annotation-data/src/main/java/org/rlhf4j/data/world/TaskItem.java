package org.rlhf4j.data.world;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One generated task before it is given an id and a split: its family, the group it is split with (the defined word,
 * the sentiment topic, the request core; items of a group always share a split), the prompt, its gold facts, and a
 * demonstration dialogue that opens with the prompt and ends with an assistant turn.
 */
record TaskItem(TaskFamily family, String group, String prompt, Map<String, Object> gold, List<ChatTurn> dialogue) {

    TaskItem {
        if (dialogue.isEmpty() || !dialogue.get(0).content().equals(prompt) || !dialogue.get(0).role().equals("user")
                || !dialogue.get(dialogue.size() - 1).role().equals("assistant")) {
            throw new IllegalArgumentException("dialogue must open with the prompt and end with the assistant: " + dialogue);
        }
        gold = Collections.unmodifiableMap(new LinkedHashMap<>(gold)); // keeps field order: output bytes are stable
        dialogue = List.copyOf(dialogue);
    }

    /** The first assistant turn: the demonstration the gold judge scores. */
    String demonstration() {
        return dialogue.get(1).content();
    }
}
