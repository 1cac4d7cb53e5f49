package org.rlhf4j.data.format;

import java.util.Optional;

/** A labeller's mark on one ranked response; written on the wire as "harmful" or "not_following". */
public enum Flag {
    /** The response could cause harm (InstructGPT's harmfulness label). */
    HARMFUL("harmful"),
    /** The response does not do what the prompt asked. */
    NOT_FOLLOWING("not_following");

    private final String wireName;

    Flag(String wireName) {
        this.wireName = wireName;
    }

    /** The spelling used in JSON Lines files. */
    public String wireName() {
        return wireName;
    }

    /** The flag spelled {@code name} on the wire, if any. */
    public static Optional<Flag> fromWireName(String name) {
        for (Flag f : values()) if (f.wireName.equals(name)) return Optional.of(f);
        return Optional.empty();
    }
}
