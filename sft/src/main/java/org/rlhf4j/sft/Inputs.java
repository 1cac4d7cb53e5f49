package org.rlhf4j.sft;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.rlhf4j.data.validate.DataSpec;
import org.rlhf4j.policy.checkpoint.Provenance;

/** SHA-256 of each data input, for provenance. */
final class Inputs {
    private Inputs() {}

    static Map<String, String> hashes(String... specs) throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        for (String s : specs) {
            try (InputStream in = new DataSpec(s).open()) {
                h.put(s, Provenance.sha256(in));
            }
        }
        return h;
    }
}
