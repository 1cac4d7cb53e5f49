package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rlhf4j.data.validate.Fixtures.fixture;
import static org.rlhf4j.data.validate.Fixtures.lineMessages;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.data.format.Split;

/** The candidates kind: told from its fields, read strictly, every problem reported as FILE:LINE. */
class CandidatesValidationTest {

    @Test
    void validFileIsDetectedAndRead() {
        ValidationReport r = DataFiles.validate(fixture("valid/candidates.jsonl"), Optional.empty());
        assertEquals(List.of(), r.problems());
        assertEquals(Optional.of(DataKind.CANDIDATES), r.kind());
        assertEquals(fixture("valid/candidates.jsonl") + ": ok, 2 candidates", r.summary());
        List<Candidates> cs = DataFiles.loadCandidates(fixture("valid/candidates.jsonl"));
        Candidates c = cs.get(0);
        assertEquals("c1", c.id());
        assertEquals(3, c.k());
        assertEquals(List.of("Apple.", "Pear.", "Car."), c.responses());
        assertEquals(List.of(true, true, false), c.eos());
        assertEquals(new ResponseSource("runs/sft/best", 0.7, 12L), c.sources().get(1));
        assertEquals(Split.TRAIN, c.split());
        assertEquals("fruit", c.gold().get("category").asText());
        assertNull(cs.get(1).eos(), "eos and sources are optional");
        assertNull(cs.get(1).sources());
    }

    @Test
    void everyProblemOfEveryLineIsReported() {
        String f = fixture("defects/candidates.jsonl");
        ValidationReport r = DataFiles.validate(f, Optional.of(DataKind.CANDIDATES));
        assertEquals(List.of(
                "1: \"responses[2]\" is identical to \"responses[0]\"",
                "1: \"eos\" has 2 entries but there are 3 responses",
                "2: \"sources[0].checkpoint\" is empty",
                "2: \"sources[0].temperature\" must be a finite number >= 0, found -1.0",
                "2: \"prompt\" is empty",
                "2: \"responses\" has 1 entry; K must be between 2 and 9",
                "2: \"id\" \"c1\" is already used on line 1",
                "3: unknown field \"ranks\" (allowed: id, prompt, family, split, gold, responses, eos, sources)",
                "3: \"eos[1]\" must be true or false, found a string",
                "4: missing field \"id\"",
                "4: \"split\" is \"dev\"; expected train, validation or test"), lineMessages(r.problems()));
        assertEquals(f + ":1: \"responses[2]\" is identical to \"responses[0]\"", r.problems().get(0).toString());
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> DataFiles.loadCandidates(f));
        assertEquals(11, e.problems().size());
    }

    @Test
    void aCandidatesFileIsNotRankings() {
        ValidationReport r = DataFiles.validate(fixture("valid/candidates.jsonl"), Optional.of(DataKind.RANKINGS));
        assertEquals(List.of("1: expected rankings data, but the fields [eos, family, gold, id, prompt, responses, sources, split]"
                + " are candidates data; records were not checked further"), lineMessages(r.problems()));
    }
}
