package org.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The checks every record kind shares; each appends a message naming the wire field to {@code out}. */
final class FieldChecks {
    private FieldChecks() {}

    /**
     * A required text must not be blank. Null is not reported here: a parser reports a missing field where it reads
     * it, and constructors reject null with {@link java.util.Objects#requireNonNull}.
     */
    static void required(List<String> out, String field, String value) {
        if (value != null && value.isBlank()) out.add("\"" + field + "\" is empty");
    }

    /** An optional text: absent, or not blank. */
    static void optional(List<String> out, String field, String value) {
        if (value != null && value.isBlank()) out.add("\"" + field + "\" is empty (leave the field out instead)");
    }

    /** The free-form "gold" field: absent or a JSON object. */
    static void gold(List<String> out, JsonNode gold) {
        if (gold != null && !gold.isObject()) out.add("\"gold\" must be a JSON object, found " + gold.getNodeType().toString().toLowerCase());
    }

    /**
     * The K responses of a ranking or a candidates record: 2 <= K <= 9, none blank, no two identical.
     *
     * @return K
     */
    static int responses(List<String> out, List<String> responses) {
        int k = responses.size();
        if (k < Ranking.MIN_K || k > Ranking.MAX_K)
            out.add("\"responses\" has " + entries(k) + "; K must be between " + Ranking.MIN_K + " and " + Ranking.MAX_K);
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < k; i++) {
            String r = responses.get(i);
            if (r.isBlank()) {
                out.add("\"responses[" + i + "]\" is empty");
                continue;
            }
            Integer first = firstIndex.putIfAbsent(r, i);
            if (first != null) out.add("\"responses[" + i + "]\" is identical to \"responses[" + first + "]\"");
        }
        return k;
    }

    /** A per-response list ("sources", "flags", "eos") must have K entries. */
    static void perResponse(List<String> out, String field, Integer count, int k) {
        if (count != null && count != k) out.add("\"" + field + "\" has " + entries(count) + " but there are " + k + " responses");
    }

    /** "1 entry", "3 entries". */
    static String entries(int n) {
        return n + (n == 1 ? " entry" : " entries");
    }

    /** Throws the collected problems as one IllegalArgumentException, if there are any. */
    static void throwIfAny(String what, List<String> problems) {
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid " + what + ": " + String.join("; ", problems));
    }
}
