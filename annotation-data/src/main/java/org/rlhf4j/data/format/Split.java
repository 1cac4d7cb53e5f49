package org.rlhf4j.data.format;

import java.util.Optional;

/** Which split of a data set a record belongs to; written on the wire as "train", "validation" or "test". */
public enum Split {
    TRAIN("train"),
    VALIDATION("validation"),
    TEST("test");

    private final String wireName;

    Split(String wireName) {
        this.wireName = wireName;
    }

    /** The spelling used in JSON Lines files. */
    public String wireName() {
        return wireName;
    }

    /** The split spelled {@code name} on the wire, if any. */
    public static Optional<Split> fromWireName(String name) {
        for (Split s : values()) if (s.wireName.equals(name)) return Optional.of(s);
        return Optional.empty();
    }
}
