package org.rlhf4j.data.annotate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.JsonlAppender;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.format.RecordJson;
import org.rlhf4j.data.validate.DataKind;
import org.rlhf4j.data.validate.InvalidDataException;
import org.rlhf4j.data.validate.JsonFields;
import org.rlhf4j.data.validate.JsonlValidator;
import org.rlhf4j.data.validate.Problem;
import org.rlhf4j.data.validate.ValidationReport;

/**
 * One person's labelling session over a candidates file: which candidates are still to rank, and the checked,
 * durable saving of each submitted ranking. Independent of HTTP ({@link LabelServer} is a thin layer over it).
 *
 * <p>On opening, the rankings already in the output file are read (the whole file must be valid rankings data) and
 * the candidates they rank, matched by id, are skipped: a session stopped at any point resumes where it stopped. A
 * submission is checked by the same parser as any rankings file and appended with fsync ({@link JsonlAppender})
 * before {@link #submit} returns, so an acknowledged ranking survives a crash. Thread-safe.
 */
public final class LabelSession implements AutoCloseable {
    private final Map<String, Candidates> byId = new LinkedHashMap<>();
    private final Set<String> ranked = new HashSet<>();
    private final String annotator;
    private final JsonlAppender appender;

    private LabelSession(List<Candidates> candidates, Set<String> alreadyRanked, String annotator, JsonlAppender appender) {
        for (Candidates c : candidates) byId.put(c.id(), c);
        this.ranked.addAll(alreadyRanked);
        this.annotator = annotator;
        this.appender = appender;
    }

    /**
     * Opens a session: reads what {@code out} already holds, then opens it for appending.
     *
     * @param annotator the name written into every ranking ("annotator")
     * @throws InvalidDataException when {@code out} is not valid rankings data, or ranks different responses than
     *                              the candidates of the same id (every problem listed)
     * @throws IOException          when {@code out} cannot be opened for appending (e.g. its last line was cut off)
     */
    public static LabelSession open(List<Candidates> candidates, Path out, String annotator) throws IOException {
        if (annotator == null || annotator.isBlank()) throw new IllegalArgumentException("the annotator name is empty");
        Set<String> done = alreadyRanked(candidates, out);
        return new LabelSession(candidates, done, annotator, JsonlAppender.open(out));
    }

    /** The ids of the candidates {@code out} already ranks; other rankings in it are left alone. */
    private static Set<String> alreadyRanked(List<Candidates> candidates, Path out) {
        Set<String> done = new HashSet<>();
        if (!Files.exists(out) || sizeOf(out) == 0) return done;
        ValidationReport report = new JsonlValidator().validate(out.toString(), Optional.of(DataKind.RANKINGS));
        if (!report.valid()) throw new InvalidDataException(report.problems());
        Map<String, Candidates> byId = new LinkedHashMap<>();
        for (Candidates c : candidates) byId.put(c.id(), c);
        List<Problem> problems = new ArrayList<>();
        List<Ranking> rankings = report.records(Ranking.class);
        for (int i = 0; i < rankings.size(); i++) {
            Ranking r = rankings.get(i);
            Candidates c = r.id() == null ? null : byId.get(r.id());
            if (c == null) continue;
            if (!c.prompt().equals(r.prompt()) || !c.responses().equals(r.responses()))
                problems.add(new Problem(out.toString(), i + 1, "the ranking of \"" + r.id() + "\" has another prompt or"
                        + " other responses than the candidates record of that id; is this the output of another candidates file?"));
            done.add(r.id());
        }
        if (!problems.isEmpty()) throw new InvalidDataException(problems);
        return done;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The first candidates record, in file order, not yet ranked. */
    public synchronized Optional<Candidates> next() {
        return byId.values().stream().filter(c -> !ranked.contains(c.id())).findFirst();
    }

    /** How many of this file's candidates are ranked (before and during this session). */
    public synchronized int rankedCount() {
        return (int) byId.keySet().stream().filter(ranked::contains).count();
    }

    public int total() {
        return byId.size();
    }

    public String annotator() {
        return annotator;
    }

    public Path out() {
        return appender.file();
    }

    /** What became of a submission. */
    public sealed interface Outcome permits Saved, Refused {}

    /** Checked and forced to disk. */
    public record Saved(Ranking ranking) implements Outcome {}

    /**
     * Not saved.
     *
     * @param status   the HTTP status that says why: 400 invalid, 409 already ranked
     * @param problems every problem, for the person to read
     */
    public record Refused(int status, List<String> problems) implements Outcome {}

    /**
     * Checks a submission {@code {"id": "...", "ranking": [2, 0, 1], "flags": [["harmful"], [], []]}} ("flags"
     * optional; indices refer to the candidates' responses) and saves it as a ranking by this session's annotator.
     * The ranking record (the candidates' fields, the submitted order and flags, the annotator) is checked by the
     * rankings parser, so it obeys every rule a rankings file does.
     *
     * @throws IOException when the ranking could not be forced to disk (it must not be acknowledged)
     */
    public synchronized Outcome submit(JsonNode body) throws IOException {
        List<String> problems = new ArrayList<>();
        if (body == null || !body.isObject())
            return new Refused(400, List.of("expected a JSON object {\"id\", \"ranking\", \"flags\"}, found "
                    + (body == null ? "nothing" : JsonFields.describe(body))));
        JsonFields f = new JsonFields((ObjectNode) body, problems);
        f.allowOnly("id", "ranking", "flags");
        String id = f.requiredText("id");
        if (!problems.isEmpty()) return new Refused(400, problems);
        Candidates c = byId.get(id);
        if (c == null) return new Refused(400, List.of("no candidates record has the id \"" + id + "\""));
        if (ranked.contains(id)) return new Refused(409, List.of("\"" + id + "\" is already ranked"));
        ObjectNode record = RecordJson.toJson(c);
        if (body.has("ranking")) record.set("ranking", body.get("ranking"));
        record.put("annotator", annotator);
        if (body.has("flags")) record.set("flags", body.get("flags"));
        Ranking ranking = (Ranking) DataKind.RANKINGS.newParser().parse(record, 1, problems);
        if (ranking == null) return new Refused(400, problems);
        appender.append(ranking);
        ranked.add(id);
        return new Saved(ranking);
    }

    @Override
    public void close() throws IOException {
        appender.close();
    }
}
