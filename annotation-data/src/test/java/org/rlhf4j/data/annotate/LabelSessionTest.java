package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.Flag;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.InvalidDataException;

class LabelSessionTest {
    @TempDir
    Path dir;

    static final ObjectMapper JSON = new ObjectMapper();

    static List<Candidates> candidates() {
        return List.of(
                new Candidates("a", "Name a fruit.", "name", null, null, List.of("Apple.", "Pear.", "Car."), List.of(true, true, false), null),
                new Candidates("b", "Pick a colour.", null, null, null, List.of("Red.", "Blue."), null, null));
    }

    static JsonNode body(String json) throws IOException {
        return JSON.readTree(json);
    }

    /** The id of the item {@code s} offers {@code annotator} (null: the default name); fails if it offers none. */
    static String offered(LabelSession s, String annotator) {
        return assertInstanceOf(LabelSession.Offer.class, s.next(annotator)).item().id();
    }

    @Test
    void aSubmissionIsCheckedSavedAndSkippedAfterwards() throws Exception {
        Path out = dir.resolve("rankings.jsonl");
        List<Integer> shown;
        try (LabelSession s = LabelSession.open(candidates(), out, "alice")) {
            LabelSession.Offer offer = assertInstanceOf(LabelSession.Offer.class, s.next(null));
            assertEquals("a", offer.item().id());
            assertEquals("alice", offer.annotator(), "a request without a name is the default annotator's");
            shown = offer.shown();
            assertEquals(LabelPlan.single("alice").shownOrder("alice", "a", 3), shown);
            assertEquals(0, s.progress().rankingsDone());
            var saved = assertInstanceOf(LabelSession.Saved.class,
                    s.submit(body("{\"id\": \"a\", \"ranking\": [1, 0, 2], \"flags\": [[], [], [\"not_following\"]]}")));
            assertEquals(List.of(1, 0, 2), saved.ranking().ranking());
            assertEquals(1, s.progress().rankingsDone());
            assertEquals(1, s.progress().people().get("alice").ranked());
            assertEquals("b", offered(s, null));
        }
        List<Ranking> written = DataFiles.loadRankings(out.toString());
        assertEquals(1, written.size());
        Ranking r = written.get(0);
        assertEquals(candidates().get(0).toRanking(List.of(1, 0, 2), "alice", List.of(Set.of(), Set.of(), Set.of(Flag.NOT_FOLLOWING)), shown), r);
        assertEquals("name", r.family());
        assertEquals(List.of(true, true, false), r.eos());
    }

    @Test
    void badSubmissionsAreRefusedWithTheRankingsFilesMessages() throws Exception {
        try (LabelSession s = LabelSession.open(candidates(), dir.resolve("r.jsonl"), "alice")) {
            assertEquals(new LabelSession.Refused(400, List.of("\"ranking\" is not a permutation of 0..2: [0, 0, 1] (repeated: 0; missing: 2)")),
                    s.submit(body("{\"id\": \"a\", \"ranking\": [0, 0, 1]}")));
            assertEquals(new LabelSession.Refused(400, List.of("missing field \"ranking\"")), s.submit(body("{\"id\": \"a\"}")));
            assertEquals(new LabelSession.Refused(400, List.of(
                    "\"flags[0][0]\" is \"rude\"; expected \"harmful\" or \"not_following\"",
                    "\"flags\" has 1 entry but there are 3 responses")),
                    s.submit(body("{\"id\": \"a\", \"ranking\": [0, 1, 2], \"flags\": [[\"rude\"]]}")));
            assertEquals(new LabelSession.Refused(400, List.of("unknown field \"shown\" (allowed: annotator, id, ranking, flags)")),
                    s.submit(body("{\"id\": \"a\", \"ranking\": [0, 1, 2], \"shown\": [0, 1, 2]}")), "the server records what it showed");
            assertEquals(new LabelSession.Refused(400, List.of("the annotator name must be plain text: letters, digits, spaces and"
                            + " . _ - ' @, starting with a letter or digit and not ending in a space")),
                    s.submit(body("{\"annotator\": \"<b>bob</b>\", \"id\": \"a\", \"ranking\": [0, 1, 2]}")));
            assertEquals(new LabelSession.Refused(400, List.of("no candidates record has the id \"zz\"")),
                    s.submit(body("{\"id\": \"zz\", \"ranking\": [0, 1]}")));
            assertEquals(400, ((LabelSession.Refused) s.submit(body("[1, 2]"))).status());
            assertInstanceOf(LabelSession.Saved.class, s.submit(body("{\"id\": \"b\", \"ranking\": [1, 0]}")));
            assertEquals(new LabelSession.Refused(409, List.of("\"b\" is already ranked by alice")), s.submit(body("{\"id\": \"b\", \"ranking\": [0, 1]}")));
            assertEquals(new LabelSession.Refused(409, List.of("\"b\" already has the 1 ranking it needs")),
                    s.submit(body("{\"annotator\": \"bob\", \"id\": \"b\", \"ranking\": [0, 1]}")));
        }
        assertEquals(1, DataFiles.loadRankings(dir.resolve("r.jsonl").toString()).size(), "only the good one was written");
        try (LabelSession s = LabelSession.open(candidates(), dir.resolve("r2.jsonl"), new LabelPlan(2, 1, 1, LabelPlan.DEFAULT_LEASE, null))) {
            String noName = "say who you are: the request has no \"annotator\" name and this server has no default one";
            assertEquals(new LabelSession.Refused(400, List.of(noName)), s.next(null));
            assertEquals(new LabelSession.Refused(400, List.of(noName)), s.submit(body("{\"id\": \"a\", \"ranking\": [0, 1, 2]}")));
            assertEquals(400, ((LabelSession.Refused) s.submit(body("{\"annotator\": \" \", \"id\": \"a\", \"ranking\": [0, 1, 2]}"))).status());
        }
    }

    @Test
    void aSessionResumesWhereItStopped() throws Exception {
        Path out = dir.resolve("r.jsonl");
        // another candidates file's ranking in the same output is left alone
        JsonlWriter.write(out, List.of(new Ranking("x", List.of("1", "2"), List.of(0, 1), "bob"),
                candidates().get(0).toRanking(List.of(2, 1, 0), "bob", null)));
        try (LabelSession s = LabelSession.open(candidates(), out, "alice")) {
            assertEquals(1, s.progress().rankingsDone());
            assertEquals(1, s.progress().people().get("bob").ranked());
            assertEquals("b", offered(s, null));
            s.submit(body("{\"id\": \"b\", \"ranking\": [0, 1]}"));
            assertInstanceOf(LabelSession.Done.class, s.next(null));
        }
        try (LabelSession s = LabelSession.open(candidates(), out, "alice")) {
            assertEquals(2, s.progress().rankingsDone());
            assertTrue(s.progress().complete());
            assertInstanceOf(LabelSession.Done.class, s.next(null));
        }
    }

    @Test
    void anOutputThatDoesNotFitIsRefusedAtStart() throws Exception {
        Path other = dir.resolve("other.jsonl");
        JsonlWriter.write(other, List.of(new Ranking("b", "Pick a colour.", List.of("Green.", "Blue."), List.of(0, 1), "bob",
                null, null, null, null, null, null)));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> LabelSession.open(candidates(), other, "alice"));
        assertTrue(e.getMessage().contains(other + ":1: the ranking of \"b\" has another prompt or other responses"), e.getMessage());

        Path cut = dir.resolve("cut.jsonl");
        Files.writeString(cut, "{\"prompt\": \"x\", \"responses\": [\"1\", \"2\"], \"ranking\": [0, 1], \"annotator\": \"bob\"}\n{\"prompt\": \"y\", \"resp",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        e = assertThrows(InvalidDataException.class, () -> LabelSession.open(candidates(), cut, "alice"));
        assertTrue(e.getMessage().contains(cut + ":2: not valid JSON"), e.getMessage());
    }
}
