package org.rlhf4j.data.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One item of the cloze capability probe: {@code {"id": ..., "context": "... ___ ...", "candidates": [...],
 * "answer": i}}. A held-out corpus sentence with one word blanked, candidate words, and the index of the right one; a
 * model answers with the candidate whose filled-in sentence it finds most likely.
 *
 * @param id         an identifier
 * @param context    the sentence with exactly one {@code ___}
 * @param candidates at least two distinct candidate words
 * @param answer     the index of the right candidate
 */
public record ClozeItem(String id, String context, List<String> candidates, int answer) {
    public static final String BLANK = "___";

    public ClozeItem {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(candidates, "candidates");
        candidates = List.copyOf(candidates);
        FieldChecks.throwIfAny("cloze item", problems(id, context, candidates, answer));
    }

    /** What is wrong with these field values. */
    public static List<String> problems(String id, String context, List<String> candidates, Integer answer) {
        List<String> p = new ArrayList<>();
        FieldChecks.required(p, "id", id);
        FieldChecks.required(p, "context", context);
        if (context != null && context.indexOf(BLANK) != context.lastIndexOf(BLANK) || context != null && !context.contains(BLANK))
            p.add("context: expected exactly one " + BLANK + " blank");
        if (candidates != null) {
            if (candidates.size() < 2) p.add("candidates: expected at least 2, got " + candidates.size());
            if (candidates.stream().distinct().count() != candidates.size()) p.add("candidates: expected distinct words");
            for (int i = 0; i < candidates.size(); i++) if (candidates.get(i) == null || candidates.get(i).isBlank()) p.add("candidates[" + i + "]: empty");
            if (answer != null && (answer < 0 || answer >= candidates.size()))
                p.add("answer: expected an index in 0.." + (candidates.size() - 1) + ", got " + answer);
        }
        return p;
    }

    /** The sentence with candidate {@code i} in the blank. */
    public String filled(int i) {
        return context.replace(BLANK, candidates.get(i));
    }
}
