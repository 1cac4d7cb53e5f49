package org.rlhf4j.data.validate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.PairRecord;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;

/**
 * How every stage reads its data: validate the whole file, then either hand back the typed records or throw an
 * {@link InvalidDataException} listing every problem. A spec is a filesystem path or {@code embedded:NAME}; names
 * ending in ".gz" are gunzipped. Uses the default 1 MiB line limit; build a {@link JsonlValidator} for another.
 */
public final class DataFiles {
    private static final JsonlValidator DEFAULT = new JsonlValidator();

    private DataFiles() {}

    /**
     * The records of a valid file of the given kind, each of {@code kind.recordType()}.
     *
     * @throws InvalidDataException listing every problem, one per line as FILE:LINE: message
     */
    public static List<?> load(String spec, DataKind kind) {
        ValidationReport report = DEFAULT.validate(spec, Optional.of(kind));
        if (!report.valid()) throw new InvalidDataException(report.problems());
        return report.records();
    }

    public static List<PretrainDoc> loadPretrain(String spec) {
        return typed(load(spec, DataKind.PRETRAIN), PretrainDoc.class);
    }

    public static List<PromptRecord> loadPrompts(String spec) {
        return typed(load(spec, DataKind.PROMPTS), PromptRecord.class);
    }

    public static List<Dialogue> loadDialogues(String spec) {
        return typed(load(spec, DataKind.SFT), Dialogue.class);
    }

    public static List<Ranking> loadRankings(String spec) {
        return typed(load(spec, DataKind.RANKINGS), Ranking.class);
    }

    public static List<PairRecord> loadPairs(String spec) {
        return typed(load(spec, DataKind.PAIRS), PairRecord.class);
    }

    /** Validates one file as {@code kind}, or as the kind its first record shows. */
    public static ValidationReport validate(String spec, Optional<DataKind> kind) {
        return DEFAULT.validate(spec, kind);
    }

    /** Validates every file, each to the end, and returns their reports in order. */
    public static List<ValidationReport> validateAll(List<String> specs, Optional<DataKind> kind) {
        List<ValidationReport> reports = new ArrayList<>();
        for (String spec : specs) reports.add(DEFAULT.validate(spec, kind));
        return reports;
    }

    private static <T> List<T> typed(List<?> records, Class<T> type) {
        return records.stream().map(type::cast).toList();
    }
}
