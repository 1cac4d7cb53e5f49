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

    @Test
    void aSubmissionIsCheckedSavedAndSkippedAfterwards() throws Exception {
        Path out = dir.resolve("rankings.jsonl");
        try (LabelSession s = LabelSession.open(candidates(), out, "alice")) {
            assertEquals("a", s.next().orElseThrow().id());
            assertEquals(0, s.rankedCount());
            var saved = assertInstanceOf(LabelSession.Saved.class,
                    s.submit(body("{\"id\": \"a\", \"ranking\": [1, 0, 2], \"flags\": [[], [], [\"not_following\"]]}")));
            assertEquals(List.of(1, 0, 2), saved.ranking().ranking());
            assertEquals(1, s.rankedCount());
            assertEquals("b", s.next().orElseThrow().id());
        }
        List<Ranking> written = DataFiles.loadRankings(out.toString());
        assertEquals(1, written.size());
        Ranking r = written.get(0);
        assertEquals(candidates().get(0).toRanking(List.of(1, 0, 2), "alice", List.of(Set.of(), Set.of(), Set.of(Flag.NOT_FOLLOWING))), r);
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
            assertEquals(new LabelSession.Refused(400, List.of("unknown field \"annotator\" (allowed: id, ranking, flags)")),
                    s.submit(body("{\"id\": \"a\", \"ranking\": [0, 1, 2], \"annotator\": \"mallory\"}")));
            assertEquals(new LabelSession.Refused(400, List.of("no candidates record has the id \"zz\"")),
                    s.submit(body("{\"id\": \"zz\", \"ranking\": [0, 1]}")));
            assertEquals(400, ((LabelSession.Refused) s.submit(body("[1, 2]"))).status());
            assertInstanceOf(LabelSession.Saved.class, s.submit(body("{\"id\": \"b\", \"ranking\": [1, 0]}")));
            assertEquals(new LabelSession.Refused(409, List.of("\"b\" is already ranked")), s.submit(body("{\"id\": \"b\", \"ranking\": [0, 1]}")));
        }
        assertEquals(1, DataFiles.loadRankings(dir.resolve("r.jsonl").toString()).size(), "only the good one was written");
    }

    @Test
    void aSessionResumesWhereItStopped() throws Exception {
        Path out = dir.resolve("r.jsonl");
        // another candidates file's ranking in the same output is left alone
        JsonlWriter.write(out, List.of(new Ranking("x", List.of("1", "2"), List.of(0, 1), "bob"),
                candidates().get(0).toRanking(List.of(2, 1, 0), "bob", null)));
        try (LabelSession s = LabelSession.open(candidates(), out, "alice")) {
            assertEquals(1, s.rankedCount());
            assertEquals("b", s.next().orElseThrow().id());
            s.submit(body("{\"id\": \"b\", \"ranking\": [0, 1]}"));
            assertTrue(s.next().isEmpty());
        }
        try (LabelSession s = LabelSession.open(candidates(), out, "alice")) {
            assertEquals(2, s.rankedCount());
            assertTrue(s.next().isEmpty());
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
