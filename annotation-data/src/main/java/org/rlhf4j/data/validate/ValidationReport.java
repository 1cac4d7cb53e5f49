package org.rlhf4j.data.validate;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of validating one file: its kind, the records read from its good lines, and every problem found.
 * Records are only for inspection when there are problems; {@link DataFiles#load} refuses such files.
 *
 * @param file     the file as the user named it
 * @param kind     the data kind, as given or detected; empty when it could not be told
 * @param records  the typed records of the lines that had no problems, in file order
 * @param problems every problem, in file order
 */
public record ValidationReport(String file, Optional<DataKind> kind, List<?> records, List<Problem> problems) {

    public ValidationReport {
        records = List.copyOf(records);
        problems = List.copyOf(problems);
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    /** The records as {@code type}, which must be the kind's record type. */
    public <T> List<T> records(Class<T> type) {
        return records.stream().map(type::cast).toList();
    }

    /** One line: "FILE: ok, 12 rankings" or "FILE: 3 problems". */
    public String summary() {
        String what = kind.map(DataKind::recordNoun).orElse("records");
        if (valid()) return file + ": ok, " + records.size() + " " + what;
        return file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems");
    }
}
