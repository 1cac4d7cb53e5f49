package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataKindTest {

    @Test
    void detectionFromFieldNames() {
        assertEquals(Optional.of(DataKind.PRETRAIN), DataKind.detect(Set.of("text")).kind());
        assertEquals(Optional.of(DataKind.PRETRAIN), DataKind.detect(Set.of("text", "source")).kind());
        assertEquals(Optional.of(DataKind.PROMPTS), DataKind.detect(Set.of("id", "prompt", "gold")).kind());
        assertEquals(Optional.of(DataKind.SFT), DataKind.detect(Set.of("messages")).kind());
        assertEquals(Optional.of(DataKind.RANKINGS), DataKind.detect(Set.of("prompt", "responses", "ranking", "annotator")).kind());
        assertEquals(Optional.of(DataKind.RANKINGS), DataKind.detect(Set.of("prompt", "ranking")).kind(), "a missing field is reported later");
        assertEquals(Optional.of(DataKind.PAIRS), DataKind.detect(Set.of("prompt", "chosen", "rejected")).kind());
        assertEquals(Optional.of(DataKind.PAIRS), DataKind.detect(Set.of("chosen", "rejected")).kind());
        assertEquals(Optional.of(DataKind.CANDIDATES), DataKind.detect(Set.of("id", "prompt", "responses", "eos", "sources")).kind());
        assertEquals(Optional.of(DataKind.RANKINGS), DataKind.detect(Set.of("prompt", "responses", "annotator")).kind(),
                "a ranking missing its \"ranking\" is still a ranking");
    }

    @Test
    void noneOrSeveralKindsFit() {
        DataKind.Detection none = DataKind.detect(Set.of("txt"));
        assertEquals(Optional.empty(), none.kind());
        assertTrue(none.problem().startsWith("cannot tell the data kind from the fields {txt}"), none.problem());
        DataKind.Detection two = DataKind.detect(Set.of("messages", "chosen", "rejected"));
        assertEquals("the fields {chosen, messages, rejected} fit more than one data kind (sft, pairs); name the kind (--kind)",
                two.problem());
        assertTrue(DataKind.detect(Set.of("prompt", "completion")).problem().contains("rlhf4j convert --from prompt-completion --to sft"));
    }

    @Test
    void wireNames() {
        for (DataKind k : DataKind.values()) assertEquals(k, DataKind.fromWireName(k.wireName()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataKind.fromWireName("ranking"));
        assertEquals("unknown data kind \"ranking\"; expected one of pretrain, prompts, sft, rankings, pairs, candidates, cloze", e.getMessage());
    }
}
