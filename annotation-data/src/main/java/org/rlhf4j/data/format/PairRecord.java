package org.rlhf4j.data.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One pairwise preference as users bring it from other tools (TRL, Anthropic HH-RLHF), normalised: the conversation
 * so far and the two candidate replies. Three wire forms read into it:
 * <ul>
 *   <li>{@code {"prompt": "...", "chosen": "...", "rejected": "..."}} (TRL standard form);</li>
 *   <li>{@code {"chosen": "\n\nHuman: ...\n\nAssistant: ...", "rejected": "..."}} (HH transcripts; the prompt is
 *       their common prefix up to and including the last "\n\nAssistant:");</li>
 *   <li>TRL's conversational form, where prompt, chosen and rejected are lists of {"role", "content"} messages
 *       (or chosen and rejected are whole conversations sharing a prefix, with no prompt field).</li>
 * </ul>
 *
 * @param prompt   the conversation before the reply: an optional system message, then user and assistant
 *                 alternating, ending with user
 * @param chosen   the preferred reply; never blank
 * @param rejected the other reply; never blank, never identical to {@code chosen}
 */
public record PairRecord(List<Message> prompt, String chosen, String rejected) {

    public PairRecord {
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        Objects.requireNonNull(prompt, "prompt");
        prompt = List.copyOf(prompt);
        FieldChecks.throwIfAny("preference pair", problems(prompt, chosen, rejected));
    }

    /** A single-turn pair. */
    public PairRecord(String prompt, String chosen, String rejected) {
        this(List.of(Message.user(prompt)), chosen, rejected);
    }

    /** What is wrong with these field values; a null prompt is not checked (the caller reports it). */
    public static List<String> problems(List<Message> prompt, String chosen, String rejected) {
        List<String> p = new ArrayList<>();
        if (prompt != null) p.addAll(Message.turnOrderProblems("prompt", prompt, Role.USER));
        FieldChecks.required(p, "chosen", chosen);
        FieldChecks.required(p, "rejected", rejected);
        if (chosen != null && chosen.equals(rejected)) p.add("\"chosen\" and \"rejected\" are identical");
        return p;
    }

    /** True when the prompt is one user message and nothing else. */
    public boolean singleTurn() {
        return prompt.size() == 1;
    }
}
