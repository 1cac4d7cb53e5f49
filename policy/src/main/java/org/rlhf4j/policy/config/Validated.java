package org.rlhf4j.policy.config;

import java.util.List;

/** A config record that can list its own out-of-range values, each as "key.path: expected …, got …". */
public interface Validated {
    List<String> problems(String prefix);
}
