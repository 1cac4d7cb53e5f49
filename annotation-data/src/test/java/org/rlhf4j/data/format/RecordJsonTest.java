package org.rlhf4j.data.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exact lines written: documented field order, optional fields left out, newlines escaped. */
class RecordJsonTest {

    @Test
    void eachKindsLine() {
        assertEquals("{\"text\":\"two\\nlines\"}", RecordJson.toLine(new PretrainDoc("two\nlines")));
        ObjectNode gold = JsonNodeFactory.instance.objectNode().put("answer", 5);
        assertEquals("{\"id\":\"sum-1\",\"prompt\":\"Add 2 and 3.\",\"family\":\"sum\",\"split\":\"test\",\"gold\":{\"answer\":5}}",
                RecordJson.toLine(new PromptRecord("sum-1", "Add 2 and 3.", "sum", Split.TEST, gold)));
        assertEquals("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Yo\"}]}",
                RecordJson.toLine(new Dialogue(List.of(Message.user("Hi"), Message.assistant("Yo")))));
        Ranking r = new Ranking("r1", "P", List.of("a", "b"), List.of(1, 0), "ann", null, Split.TRAIN, null,
                List.of(new ResponseSource("sft", 0.5, 7L), new ResponseSource("sft", 0.0, null)),
                List.of(Set.of(Flag.HARMFUL), Set.of()), List.of(true, false));
        assertEquals("{\"id\":\"r1\",\"prompt\":\"P\",\"responses\":[\"a\",\"b\"],\"ranking\":[1,0],\"annotator\":\"ann\",\"split\":\"train\","
                + "\"sources\":[{\"checkpoint\":\"sft\",\"temperature\":0.5,\"seed\":7},{\"checkpoint\":\"sft\",\"temperature\":0.0}],"
                + "\"flags\":[[\"harmful\"],[]],\"eos\":[true,false]}", RecordJson.toLine(r));
        Ranking shown = new Ranking("r2", "P", List.of("a", "b", "c"), List.of(1, 0, 2), "Zoë", null, null, null, null, null, null,
                List.of(2, 0, 1));
        assertEquals("{\"id\":\"r2\",\"prompt\":\"P\",\"responses\":[\"a\",\"b\",\"c\"],\"ranking\":[1,0,2],\"annotator\":\"Zoë\","
                + "\"shown\":[2,0,1]}", RecordJson.toLine(shown));
    }

    @Test
    void pairsInTrlForms() {
        assertEquals("{\"prompt\":\"Q\",\"chosen\":\"A\",\"rejected\":\"B\"}", RecordJson.toLine(new PairRecord("Q", "A", "B")));
        assertEquals("{\"prompt\":[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":\"Q\"}],"
                        + "\"chosen\":[{\"role\":\"assistant\",\"content\":\"A\"}],\"rejected\":[{\"role\":\"assistant\",\"content\":\"B\"}]}",
                RecordJson.toLine(new PairRecord(List.of(Message.system("S"), Message.user("Q")), "A", "B")));
    }

    @Test
    void onlyRecords() {
        assertThrows(IllegalArgumentException.class, () -> RecordJson.toLine("a string"));
    }
}
