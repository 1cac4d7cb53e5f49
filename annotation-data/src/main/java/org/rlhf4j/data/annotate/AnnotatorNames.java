package org.rlhf4j.data.annotate;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rule for the names people label under. A name says who ranked (it is written into every ranking and shown to
 * the team); it is not a password and proves nothing. It must be plain text: 1 to {@link #MAX_LENGTH} characters,
 * letters, digits, marks, spaces and {@code . _ - ' @}, starting with a letter or digit and not ending in a space, so
 * that it reads the same in a file, a log line, a table and a terminal (no control characters, no markup, no
 * invisible or look-alike padding). Names are compared exactly: "Ann" and "ann" are two people.
 */
public final class AnnotatorNames {
    /** Longest name accepted, in characters. */
    public static final int MAX_LENGTH = 64;

    private static final Pattern PLAIN = Pattern.compile(
            "[\\p{L}\\p{N}]([\\p{L}\\p{M}\\p{N} ._'@-]{0," + (MAX_LENGTH - 2) + "}[\\p{L}\\p{M}\\p{N}._'@-])?");

    private AnnotatorNames() {}

    /** Why {@code name} cannot be an annotator's name; empty when it can. */
    public static Optional<String> problem(String name) {
        if (name == null || name.isEmpty()) return Optional.of("the annotator name is empty: say who you are");
        if (name.codePointCount(0, name.length()) > MAX_LENGTH)
            return Optional.of("the annotator name is longer than " + MAX_LENGTH + " characters");
        if (!PLAIN.matcher(name).matches())
            return Optional.of("the annotator name must be plain text: letters, digits, spaces and . _ - ' @,"
                    + " starting with a letter or digit and not ending in a space");
        return Optional.empty();
    }
}
