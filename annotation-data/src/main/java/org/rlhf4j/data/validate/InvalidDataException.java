package org.rlhf4j.data.validate;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when data files do not validate; the message lists every problem, one per line, as FILE:LINE: message. */
public class InvalidDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    public InvalidDataException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) throw new IllegalArgumentException("an InvalidDataException needs at least one problem");
        this.problems = List.copyOf(problems);
    }

    /** Every problem found. */
    public List<Problem> problems() {
        return problems;
    }
}
