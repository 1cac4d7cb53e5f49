package org.rlhf4j.policy.config;

import java.util.List;

/** A config that cannot be used; the message lists every problem, one per line, with its key path. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super("invalid config " + source + " (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
