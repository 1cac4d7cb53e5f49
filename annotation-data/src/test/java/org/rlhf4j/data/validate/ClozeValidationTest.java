package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.ClozeItem;

class ClozeValidationTest {
    static final String DEFECTS = "src/test/resources/fixtures/cloze/defects.jsonl";

    @Test
    void theShippedClozeProbeIsValidAndDetected() {
        ValidationReport r = DataFiles.validate("embedded:cloze.test.jsonl.gz", Optional.empty());
        assertTrue(r.valid(), r.problems().toString());
        assertEquals(Optional.of(DataKind.CLOZE), r.kind());
        List<ClozeItem> items = DataFiles.loadCloze("embedded:cloze.test.jsonl.gz");
        assertEquals(300, items.size());
        assertTrue(items.get(0).filled(items.get(0).answer()).indexOf(ClozeItem.BLANK) < 0);
    }

    @Test
    void everyDefectIsReportedWithItsLine() {
        ValidationReport r = DataFiles.validate(DEFECTS, Optional.of(DataKind.CLOZE));
        List<String> p = r.problems().stream().map(Problem::toString).toList();
        assertTrue(p.stream().anyMatch(s -> s.startsWith(DEFECTS + ":2:") && s.contains("distinct")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith(DEFECTS + ":3:") && s.contains("blank")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith(DEFECTS + ":4:") && s.contains("answer")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith(DEFECTS + ":5:") && s.contains("hint")), p.toString());
        assertTrue(p.stream().noneMatch(s -> s.startsWith(DEFECTS + ":1:")), p.toString());
        assertEquals(1, r.records().size(), "the one valid line is kept, none dropped silently");
    }
}
