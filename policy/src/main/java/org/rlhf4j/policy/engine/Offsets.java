package org.rlhf4j.policy.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.rlhf4j.policy.model.GptWeights;

/** Where each tensor of a policy starts in its flat parameter buffer ({@link GptWeights#offsets()}), as int offsets. */
final class Offsets {
    private final Map<String, Integer> off = new LinkedHashMap<>();

    Offsets(GptWeights weights) {
        weights.offsets().forEach((k, v) -> off.put(k, Math.toIntExact(v)));
    }

    int at(String name) {
        Integer o = off.get(name);
        if (o == null) throw new IllegalStateException("this policy has no tensor " + name);
        return o;
    }

    int at(int layer, String leaf) {
        return at(GptWeights.block(layer, leaf));
    }
}
