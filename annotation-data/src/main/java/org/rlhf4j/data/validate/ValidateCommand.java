package org.rlhf4j.data.validate;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * What {@code rlhf4j validate FILE... [--kind K]} does, so the command line only parses arguments: validate every
 * file to the end, print each problem as FILE:LINE: message and one summary line per file, and return the exit code.
 */
public final class ValidateCommand {
    /** Every file is valid. */
    public static final int OK = 0;
    /** At least one file has problems. */
    public static final int PROBLEMS = 1;
    /** The command was called wrongly (no files, unknown kind). */
    public static final int USAGE = 2;

    private final JsonlValidator validator;

    public ValidateCommand() {
        this(new JsonlValidator());
    }

    public ValidateCommand(JsonlValidator validator) {
        this.validator = validator;
    }

    /**
     * @param specs paths or embedded:NAME
     * @param kind  the kind name given with --kind ("rankings"), or null to tell each file's kind from its content
     * @param out   where problems and summaries go
     * @return {@link #OK}, {@link #PROBLEMS} or {@link #USAGE}
     */
    public int run(List<String> specs, String kind, PrintStream out) {
        if (specs.isEmpty()) {
            out.println("validate: no files given");
            return USAGE;
        }
        Optional<DataKind> k;
        try {
            k = kind == null ? Optional.empty() : Optional.of(DataKind.fromWireName(kind));
        } catch (IllegalArgumentException e) {
            out.println("validate: " + e.getMessage());
            return USAGE;
        }
        boolean allValid = true;
        for (String spec : specs) {
            ValidationReport report = validator.validate(spec, k);
            report.problems().forEach(out::println);
            out.println(report.summary());
            allValid &= report.valid();
        }
        return allValid ? OK : PROBLEMS;
    }
}
