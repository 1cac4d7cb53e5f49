package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rlhf4j.data.validate.Fixtures.fixture;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Split;

/** The loader every stage uses: embedded: resolution, missing files, and a file of another kind than asked. */
class DataFilesTest {

    @Test
    void embeddedSpecReadsTheClasspathResource() {
        List<PromptRecord> ps = DataFiles.loadPrompts("embedded:test-fixture-prompts.jsonl");
        assertEquals(List.of(new PromptRecord("emb-1", "Embedded one.", null, Split.TRAIN, null),
                new PromptRecord("emb-2", "Embedded two.", null, Split.TEST, null)), ps);
    }

    @Test
    void embeddedProblemsNameTheSpecAsTheFile() {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> DataFiles.loadPrompts("embedded:test-fixture-bad-prompts.jsonl"));
        assertEquals("embedded:test-fixture-bad-prompts.jsonl:2: unknown field \"familly\" (allowed: id, prompt, family, split, gold)",
                e.getMessage());
    }

    @Test
    void missingEmbeddedDataSet() {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> DataFiles.load("embedded:no-such.jsonl", DataKind.PROMPTS));
        assertEquals("embedded:no-such.jsonl: no embedded data set \"no-such.jsonl\" (classpath resource"
                + " /org/rlhf4j/data/embedded/no-such.jsonl)", e.getMessage());
        assertThrows(InvalidDataException.class, () -> DataFiles.load("embedded:../secret", DataKind.PROMPTS));
    }

    @Test
    void missingFileAndDirectory(@TempDir Path dir) {
        String missing = dir.resolve("nope.jsonl").toString();
        assertEquals(List.of(new Problem(missing, 0, "no such file")), DataFiles.validate(missing, Optional.empty()).problems());
        assertEquals(List.of(new Problem(dir.toString(), 0, "is a directory, not a data file")),
                DataFiles.validate(dir.toString(), Optional.empty()).problems());
        assertEquals(missing + ": no such file", new Problem(missing, 0, "no such file").toString());
    }

    @Test
    void fileOfAnotherKindIsReportedOnceNotFieldByField() {
        String f = fixture("valid/rankings.jsonl");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> DataFiles.loadPrompts(f));
        assertEquals(f + ":1: expected prompts data, but the fields [annotator, prompt, ranking, responses] are rankings data;"
                + " records were not checked further", e.getMessage());
    }

    @Test
    void recordsAreTypedByKind() {
        List<?> records = DataFiles.load(fixture("valid/prompts.jsonl"), DataKind.PROMPTS);
        assertEquals(3, records.size());
        records.forEach(r -> assertEquals(PromptRecord.class, r.getClass()));
    }
}
