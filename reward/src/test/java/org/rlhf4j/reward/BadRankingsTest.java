package org.rlhf4j.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.InvalidDataException;

/** Bad rankings are rejected by the shared validation, every problem listed, before the reward model sees them. */
class BadRankingsTest {
    @Test
    void aNonPermutationKOf10AndDuplicateResponsesAreAllReported(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\", \"c\"], \"ranking\": [0, 0, 2], \"annotator\": \"x\"}",
                "{\"prompt\": \"p\", \"responses\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\"], \"ranking\": [0,1,2,3,4,5,6,7,8,9], \"annotator\": \"x\"}",
                "{\"prompt\": \"p\", \"responses\": [\"same\", \"other\", \"same\"], \"ranking\": [1, 0, 2], \"annotator\": \"x\"}",
                "{\"prompt\": \"p\", \"responses\": [\"fine\", \"also fine\"], \"ranking\": [1, 0], \"annotator\": \"x\"}") + "\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> DataFiles.loadRankings(f.toString()));
        String m = e.getMessage();
        assertEquals(3, e.problems().size(), m);
        assertTrue(m.contains(f + ":1: ") && m.contains("not a permutation"), m);
        assertTrue(m.contains(f + ":2: ") && m.contains("K must be between 2 and 9"), m);
        assertTrue(m.contains(f + ":3: ") && m.contains("identical"), m);
    }
}
