package org.rlhf4j.data.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where one ranked response came from: {@code {"checkpoint": "sft-3", "temperature": 0.7, "seed": 42}}.
 *
 * @param checkpoint  the checkpoint that sampled it (a name or path); never blank
 * @param temperature the sampling temperature; finite and >= 0 (0 means greedy)
 * @param seed        the sampling seed; null when not given
 */
public record ResponseSource(String checkpoint, double temperature, Long seed) {

    public ResponseSource {
        Objects.requireNonNull(checkpoint, "checkpoint");
        FieldChecks.throwIfAny("response source", problems("", checkpoint, temperature));
    }

    /**
     * What is wrong with these field values; null values are not checked (the caller reports them).
     *
     * @param where prefix for each message, e.g. {@code "sources[2]."}
     */
    public static List<String> problems(String where, String checkpoint, Double temperature) {
        List<String> p = new ArrayList<>();
        if (checkpoint != null && checkpoint.isBlank()) p.add("\"" + where + "checkpoint\" is empty");
        if (temperature != null && !(Double.isFinite(temperature) && temperature >= 0))
            p.add("\"" + where + "temperature\" must be a finite number >= 0, found " + temperature);
        return p;
    }
}
