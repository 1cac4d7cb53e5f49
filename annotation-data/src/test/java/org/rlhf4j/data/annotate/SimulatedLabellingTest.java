package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.world.Annotator;
import org.rlhf4j.data.world.AnnotatorPool;

class SimulatedLabellingTest {
    @TempDir
    Path dir;

    /** Arithmetic prompts from the shipped world with a right answer, a wrong one and a cut-off one. */
    static List<Candidates> arithmetic(int n) {
        List<Candidates> out = new ArrayList<>();
        for (PromptRecord p : DataFiles.loadPrompts("embedded:prompts.validation.jsonl.gz")) {
            if (!"arithmetic".equals(p.family())) continue;
            String answer = p.gold().get("answer").asText();
            out.add(new Candidates(p.id(), p.prompt(), p.family(), p.split(), p.gold(),
                    List.of("It is " + answer + ".", "It is " + answer + "1.", "I think"), List.of(true, true, false), null));
            if (out.size() == n) break;
        }
        return out;
    }

    @Test
    void everyRecordIsRankedByAPoolAnnotatorReproducibly() throws Exception {
        AnnotatorPool pool = AnnotatorPool.defaultPool();
        List<Candidates> cs = arithmetic(30);
        List<Ranking> a = SimulatedLabelling.rank(cs, pool, 1);
        assertEquals(a, SimulatedLabelling.rank(cs, pool, 1), "same seed, same rankings");
        assertNotEquals(a, SimulatedLabelling.rank(cs, pool, 2));
        assertEquals(a.subList(0, 10), SimulatedLabelling.rank(cs.subList(0, 10), pool, 1), "a record's ranking depends only on it");
        Set<String> ids = pool.annotators().stream().map(Annotator::id).collect(Collectors.toSet());
        long rightFirst = 0;
        for (int i = 0; i < a.size(); i++) {
            Ranking r = a.get(i);
            assertTrue(ids.contains(r.annotator()), r.annotator());
            assertEquals(cs.get(i).id(), r.id());
            assertEquals(cs.get(i).eos(), r.eos());
            if (r.ranking().get(0) == 0) rightFirst++;
        }
        assertTrue(rightFirst >= 25, "the right answer is ranked first almost always: " + rightFirst + " of 30");
        Path out = dir.resolve("rankings.jsonl");
        JsonlWriter.write(out, a);
        assertEquals(a, DataFiles.loadRankings(out.toString()));
    }

    @Test
    void recordsWithoutAFamilyAreNamed() {
        List<Candidates> cs = List.of(new Candidates("x1", "Hi.", null, null, null, List.of("a", "b"), null, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimulatedLabelling.rank(cs, AnnotatorPool.defaultPool(), 0));
        assertTrue(e.getMessage().contains("x1"), e.getMessage());
    }
}
