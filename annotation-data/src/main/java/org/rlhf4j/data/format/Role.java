package org.rlhf4j.data.format;

import java.util.Optional;

/** Who speaks a {@link Message}; written on the wire as "system", "user" or "assistant". */
public enum Role {
    SYSTEM("system"),
    USER("user"),
    ASSISTANT("assistant");

    private final String wireName;

    Role(String wireName) {
        this.wireName = wireName;
    }

    /** The spelling used in JSON Lines files (and by the policy's chat template). */
    public String wireName() {
        return wireName;
    }

    /** The role spelled {@code name} on the wire, if any. */
    public static Optional<Role> fromWireName(String name) {
        for (Role r : values()) if (r.wireName.equals(name)) return Optional.of(r);
        return Optional.empty();
    }
}
