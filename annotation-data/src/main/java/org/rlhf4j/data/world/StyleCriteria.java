package org.rlhf4j.data.world;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The criteria every family shares: the response ends with EOS, is concise, and does not repeat itself.
 *
 * <ul>
 *   <li>{@code eos}: 1 if generation stopped with the end-of-sequence token, else 0.</li>
 *   <li>{@code concise}: 1 up to {@value #CONCISE_BYTES} bytes, falling linearly to 0 at {@value #LONG_BYTES} bytes.</li>
 *   <li>{@code no_repetition}: the share of distinct word bigrams among all word bigrams (1 for fewer than 2 words).</li>
 * </ul>
 */
record StyleCriteria(double eos, double concise, double noRepetition, int bytes) {

    static final int CONCISE_BYTES = 80;
    static final int LONG_BYTES = 240;

    static StyleCriteria of(String response, boolean endedWithEos) {
        int bytes = response.strip().getBytes(StandardCharsets.UTF_8).length;
        double concise = bytes <= CONCISE_BYTES ? 1
                : Math.max(0, 1 - (bytes - CONCISE_BYTES) / (double) (LONG_BYTES - CONCISE_BYTES));
        return new StyleCriteria(endedWithEos ? 1 : 0, concise, distinctBigramShare(Words.tokens(response)), bytes);
    }

    static double distinctBigramShare(List<String> tokens) {
        if (tokens.size() < 2) {
            return 1;
        }
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            distinct.add(tokens.get(i) + " " + tokens.get(i + 1));
        }
        return distinct.size() / (double) (tokens.size() - 1);
    }

    String describe() {
        return String.format("EOS %s, %d bytes, %.0f%% distinct bigrams", eos > 0 ? "yes" : "no", bytes, 100 * noRepetition);
    }
}
