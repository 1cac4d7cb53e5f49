package org.rlhf4j.data.validate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.rlhf4j.data.format.Candidates;
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
        return validOrThrow(spec, kind).records();
    }

    public static List<PretrainDoc> loadPretrain(String spec) {
        return validOrThrow(spec, DataKind.PRETRAIN).records(PretrainDoc.class);
    }

    public static List<PromptRecord> loadPrompts(String spec) {
        return validOrThrow(spec, DataKind.PROMPTS).records(PromptRecord.class);
    }

    public static List<Dialogue> loadDialogues(String spec) {
        return validOrThrow(spec, DataKind.SFT).records(Dialogue.class);
    }

    public static List<Ranking> loadRankings(String spec) {
        return validOrThrow(spec, DataKind.RANKINGS).records(Ranking.class);
    }

    public static List<PairRecord> loadPairs(String spec) {
        return validOrThrow(spec, DataKind.PAIRS).records(PairRecord.class);
    }

    public static List<Candidates> loadCandidates(String spec) {
        return validOrThrow(spec, DataKind.CANDIDATES).records(Candidates.class);
    }

    public static List<org.rlhf4j.data.format.ClozeItem> loadCloze(String spec) {
        return validOrThrow(spec, DataKind.CLOZE).records(org.rlhf4j.data.format.ClozeItem.class);
    }

    /**
     * SHA-256 of each data input's bytes (as stored: a .gz file is hashed compressed), keyed by its spec, for
     * provenance. Blank and repeated specs are skipped.
     */
    public static java.util.Map<String, String> sha256(String... specs) throws java.io.IOException {
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>();
        for (String s : specs) {
            if (s == null || s.isBlank() || h.containsKey(s)) continue;
            try (java.io.InputStream in = new DataSpec(s).open()) {
                h.put(s, org.rlhf4j.policy.checkpoint.Provenance.sha256(in));
            }
        }
        return h;
    }

    private static ValidationReport validOrThrow(String spec, DataKind kind) {
        ValidationReport report = DEFAULT.validate(spec, Optional.of(kind));
        if (!report.valid()) throw new InvalidDataException(report.problems());
        return report;
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
}
