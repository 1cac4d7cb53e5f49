package org.rlhf4j.data.annotate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * A team's labelling of one candidates file: who is shown which item ({@link WorkPool}: leases, overlap, skips), and
 * the checked, durable saving of each ranking. Independent of HTTP ({@link LabelServer} is a thin layer over it).
 *
 * <p>On opening, the rankings already in the output file are read (the whole file must be valid rankings data) and
 * counted against the candidates they rank, matched by id, with who ranked them: a server stopped at any point, or
 * killed, resumes with every item's rankings and every person's history as the file has them. Leases and skips live
 * in memory only, so a restart frees every reserved item. A submission is checked by the same parser as any rankings
 * file and appended with fsync ({@link JsonlAppender}) before {@link #submit} returns, so an acknowledged ranking
 * survives a crash. Thread-safe: one lock orders every decision and every write, so the file and the pool agree.
 */
public final class LabelSession implements AutoCloseable {
    private final Map<String, Candidates> byId = new LinkedHashMap<>();
    private final LabelPlan plan;
    private final WorkPool pool;
    private final JsonlAppender appender;

    private LabelSession(List<Candidates> candidates, LabelPlan plan, WorkPool pool, JsonlAppender appender) {
        for (Candidates c : candidates) byId.put(c.id(), c);
        this.plan = plan;
        this.pool = pool;
        this.appender = appender;
    }

    /** A session for one person: every item ranked once, requests without a name are {@code annotator}'s. */
    public static LabelSession open(List<Candidates> candidates, Path out, String annotator) throws IOException {
        return open(candidates, out, LabelPlan.single(annotator), Clock.systemUTC());
    }

    /** A session for a team, on the system clock. */
    public static LabelSession open(List<Candidates> candidates, Path out, LabelPlan plan) throws IOException {
        return open(candidates, out, plan, Clock.systemUTC());
    }

    /**
     * Opens a session: reads what {@code out} already holds, then opens it for appending.
     *
     * @param clock what leases are timed by
     * @throws InvalidDataException when {@code out} is not valid rankings data, or ranks different responses than
     *                              the candidates of the same id (every problem listed)
     * @throws IOException          when {@code out} cannot be opened for appending (e.g. its last line was cut off)
     */
    public static LabelSession open(List<Candidates> candidates, Path out, LabelPlan plan, Clock clock) throws IOException {
        List<Ranking> earlier = earlierRankings(candidates, out);
        int[] targets = plan.targets(candidates.size());
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (int i = 0; i < candidates.size(); i++) wanted.put(candidates.get(i).id(), targets[i]);
        WorkPool pool = new WorkPool(wanted, plan.lease(), clock);
        for (Ranking r : earlier) pool.ranked(r.id(), r.annotator());
        return new LabelSession(candidates, plan, pool, JsonlAppender.open(out));
    }

    /** The rankings in {@code out} of these candidates (matched by id); other rankings in it are left alone. */
    private static List<Ranking> earlierRankings(List<Candidates> candidates, Path out) {
        List<Ranking> matched = new ArrayList<>();
        if (!Files.exists(out) || sizeOf(out) == 0) return matched;
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
            matched.add(r);
        }
        if (!problems.isEmpty()) throw new InvalidDataException(problems);
        return matched;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** What {@link #next} answers. */
    public sealed interface Next permits Offer, Wait, Done, Refused {}

    /**
     * An item to rank, reserved for {@code annotator} until {@code leaseExpires}.
     *
     * @param shown the order to show the responses in, top first (response indices); recorded with the ranking
     */
    public record Offer(String annotator, Candidates item, List<Integer> shown, Instant leaseExpires) implements Next {}

    /** Nothing free for {@code annotator} now; items they may rank are reserved for others and may come back. */
    public record Wait(String annotator) implements Next {}

    /** Nothing left that {@code annotator} may rank (the rest, if any, needs other people). */
    public record Done(String annotator) implements Next {}

    /** What became of a submission or a skip. */
    public sealed interface Outcome permits Saved, Skipped, Refused {}

    /** Checked and forced to disk. */
    public record Saved(Ranking ranking) implements Outcome {}

    /** {@code id} went back to the pool, and will not be offered to {@code annotator} again. */
    public record Skipped(String id, String annotator) implements Outcome {}

    /**
     * Not done.
     *
     * @param status   the HTTP status that says why: 400 invalid, 409 the item is not (or no longer) theirs to rank
     * @param problems every problem, for the person to read
     */
    public record Refused(int status, List<String> problems) implements Outcome, Next {
        static Refused badRequest(String problem) {
            return new Refused(400, List.of(problem));
        }
    }

    /**
     * The item {@code annotator} should rank now (see {@link WorkPool#next}), leased to them.
     *
     * @param annotator who asks; null for the plan's default name
     */
    public synchronized Next next(String annotator) {
        List<String> problems = new ArrayList<>();
        String name = name(annotator, problems);
        if (name == null) return new Refused(400, problems);
        WorkPool.Offer offer = pool.next(name);
        if (offer instanceof WorkPool.Leased l) {
            Candidates c = byId.get(l.id());
            return new Offer(name, c, plan.shownOrder(name, c.id(), c.k()), l.expires());
        }
        return offer instanceof WorkPool.Wait ? new Wait(name) : new Done(name);
    }

    /** The name a request stands for: the one it gives, else the plan's default; null (and a problem) when neither will do. */
    private String name(String given, List<String> problems) {
        String name = given != null ? given : plan.defaultAnnotator();
        if (name == null) {
            problems.add("say who you are: the request has no \"annotator\" name and this server has no default one");
            return null;
        }
        Optional<String> problem = AnnotatorNames.problem(name);
        problem.ifPresent(problems::add);
        return problem.isPresent() ? null : name;
    }

    /**
     * Checks a submission {@code {"annotator": "ann", "id": "...", "ranking": [2, 0, 1], "flags": [["harmful"], [], []]}}
     * ("annotator" optional when the plan has a default name, "flags" optional; indices refer to the candidates'
     * responses) and saves it as that person's ranking, with the order they were shown the responses in. The ranking
     * record (the candidates' fields, the submitted order and flags, the name, the shown order) is checked by the
     * rankings parser, so it obeys every rule a rankings file does.
     *
     * @throws IOException when the ranking could not be forced to disk (it must not be acknowledged)
     */
    public synchronized Outcome submit(JsonNode body) throws IOException {
        List<String> problems = new ArrayList<>();
        if (body == null || !body.isObject())
            return Refused.badRequest("expected a JSON object {\"annotator\", \"id\", \"ranking\", \"flags\"}, found "
                    + (body == null ? "nothing" : JsonFields.describe(body)));
        JsonFields f = new JsonFields((ObjectNode) body, problems);
        f.allowOnly("annotator", "id", "ranking", "flags");
        String given = f.optionalText("annotator");
        String id = f.requiredText("id");
        if (!problems.isEmpty()) return new Refused(400, problems);
        String name = name(given, problems);
        if (name == null) return new Refused(400, problems);
        Candidates c = byId.get(id);
        if (c == null) return Refused.badRequest("no candidates record has the id \"" + id + "\"");
        Optional<String> conflict = pool.whyNot(id, name);
        if (conflict.isPresent()) return new Refused(409, List.of(conflict.get()));
        ObjectNode record = RecordJson.toJson(c);
        if (body.has("ranking")) record.set("ranking", body.get("ranking"));
        record.put("annotator", name);
        if (body.has("flags")) record.set("flags", body.get("flags"));
        ArrayNode shown = record.putArray("shown");
        plan.shownOrder(name, id, c.k()).forEach(shown::add);
        Ranking ranking = (Ranking) DataKind.RANKINGS.newParser().parse(record, 1, problems);
        if (ranking == null) return new Refused(400, problems);
        appender.append(ranking);
        pool.ranked(id, name);
        return new Saved(ranking);
    }

    /**
     * A person passes on an item: {@code {"annotator": "ann", "id": "..."}}. Its lease ends, it goes back to the pool
     * for the others, and it is not offered to them again while the server runs.
     */
    public synchronized Outcome skip(JsonNode body) {
        List<String> problems = new ArrayList<>();
        if (body == null || !body.isObject())
            return Refused.badRequest("expected a JSON object {\"annotator\", \"id\"}, found "
                    + (body == null ? "nothing" : JsonFields.describe(body)));
        JsonFields f = new JsonFields((ObjectNode) body, problems);
        f.allowOnly("annotator", "id");
        String given = f.optionalText("annotator");
        String id = f.requiredText("id");
        if (!problems.isEmpty()) return new Refused(400, problems);
        String name = name(given, problems);
        if (name == null) return new Refused(400, problems);
        if (!pool.contains(id)) return Refused.badRequest("no candidates record has the id \"" + id + "\"");
        pool.skip(id, name);
        return new Skipped(id, name);
    }

    /** The pool's progress now. */
    public synchronized Progress progress() {
        return pool.progress();
    }

    public LabelPlan plan() {
        return plan;
    }

    public Path out() {
        return appender.file();
    }

    @Override
    public void close() throws IOException {
        appender.close();
    }
}
