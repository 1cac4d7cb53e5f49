package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rlhf4j.data.validate.Fixtures.fixture;
import static org.rlhf4j.data.validate.Fixtures.lines;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.Ranking;

/** A file with seven defects of different sorts: every one is reported, in order, and nothing stops the scan. */
class MultiDefectTest {

    @Test
    void everyProblemInTheFileIsReported() {
        String f = fixture("defects/multi-defect.jsonl");
        ValidationReport r = DataFiles.validate(f, Optional.empty());
        assertEquals(Optional.of(DataKind.RANKINGS), r.kind());
        assertEquals(List.of(3, 4, 5, 6, 7, 8, 9), lines(r.problems()));
        assertEquals(List.of(
                f + ":3: \"ranking\" is not a permutation of 0..1: [0, 0] (repeated: 0; missing: 1)",
                f + ":4: blank line",
                f + ":5: not valid JSON at column 81: Unexpected end-of-input: expected close marker for Object",
                f + ":6: \"responses[1]\" is identical to \"responses[0]\"",
                f + ":7: unknown field \"annotater\" (allowed: id, prompt, responses, ranking, annotator, family, split, gold, sources, flags, eos, shown)",
                f + ":8: invalid UTF-8 at byte 13 of the line (0xFF); the file must be UTF-8 (was it saved as Latin-1 or Windows-1252?)",
                f + ":9: \"eos\" has 2 entries but there are 3 responses"),
                r.problems().stream().map(Problem::toString).toList());
        // Lines 1, 2 and 10 are good.
        assertEquals(List.of(List.of(0, 1), List.of(1, 0), List.of(1, 0)),
                r.records(Ranking.class).stream().map(Ranking::ranking).toList());
    }

    @Test
    void loadThrowsWithEveryProblemOnePerLine() {
        String f = fixture("defects/multi-defect.jsonl");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> DataFiles.loadRankings(f));
        assertEquals(7, e.problems().size());
        String[] messageLines = e.getMessage().split("\n");
        assertEquals(7, messageLines.length);
        for (int i = 0; i < 7; i++) assertEquals(e.problems().get(i).toString(), messageLines[i]);
        assertEquals(f + ":4: blank line", messageLines[1]);
    }
}
