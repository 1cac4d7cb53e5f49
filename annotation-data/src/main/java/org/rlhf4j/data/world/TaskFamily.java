package org.rlhf4j.data.world;

import java.util.Arrays;

/** The four instruction families of the embedded task world, with their wire names and id prefixes. */
public enum TaskFamily {
    DEFINITION("definition", "def"),
    SENTIMENT("sentiment", "sen"),
    ARITHMETIC("arithmetic", "ari"),
    HARMLESSNESS("harmlessness", "hrm");

    private final String wireName;
    private final String idPrefix;

    TaskFamily(String wireName, String idPrefix) {
        this.wireName = wireName;
        this.idPrefix = idPrefix;
    }

    /** The name used in the "family" field of the data files. */
    public String wireName() {
        return wireName;
    }

    /** The prefix of prompt ids of this family, as in "def-00012". */
    public String idPrefix() {
        return idPrefix;
    }

    /** The family with this wire name; the error lists the known ones. */
    /** Whether {@code wireName} names a family of the embedded task world. */
    public static boolean known(String wireName) {
        for (TaskFamily f : values()) if (f.wireName().equals(wireName)) return true;
        return false;
    }

    public static TaskFamily of(String wireName) {
        for (TaskFamily family : values()) {
            if (family.wireName.equals(wireName)) {
                return family;
            }
        }
        throw new IllegalArgumentException("unknown task family '" + wireName + "'; known: "
                + Arrays.stream(values()).map(TaskFamily::wireName).toList());
    }
}
