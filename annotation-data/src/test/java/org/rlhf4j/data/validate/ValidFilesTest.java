package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rlhf4j.data.validate.Fixtures.fixture;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Flag;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.PairRecord;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.data.format.Split;

/** A valid file of every kind passes, with its kind told from its content, and reads into the right records. */
class ValidFilesTest {

    private static ValidationReport detect(String name) {
        ValidationReport r = DataFiles.validate(fixture(name), Optional.empty());
        assertEquals(List.of(), r.problems(), name);
        return r;
    }

    @Test
    void pretrainIncludingALastLineWithoutNewline() {
        ValidationReport r = detect("valid/pretrain.jsonl");
        assertEquals(Optional.of(DataKind.PRETRAIN), r.kind());
        List<PretrainDoc> docs = DataFiles.loadPretrain(fixture("valid/pretrain.jsonl"));
        assertEquals(3, docs.size());
        assertEquals(new PretrainDoc("The cat sat on the mat.", "hand-written"), docs.get(0));
        assertTrue(docs.get(1).text().endsWith("日本語も。"), "UTF-8 decoded");
        assertEquals("Line one.\nLine two, after an escaped newline.", docs.get(2).text());
    }

    @Test
    void promptsWithFreeFormGoldAndNullOptionalFields() {
        assertEquals(Optional.of(DataKind.PROMPTS), detect("valid/prompts.jsonl").kind());
        List<PromptRecord> prompts = DataFiles.loadPrompts(fixture("valid/prompts.jsonl"));
        assertEquals(List.of("def-00001", "def-00002", "sum-00001"), prompts.stream().map(PromptRecord::id).toList());
        PromptRecord first = prompts.get(0);
        assertEquals("define", first.family());
        assertEquals(Split.TRAIN, first.split());
        assertEquals("lucid", first.gold().get("lemma").asText());
        assertEquals(2, first.gold().get("senses").get(1).asInt());
        assertNull(prompts.get(2).family(), "\"family\": null reads as absent");
        assertEquals(Split.TEST, prompts.get(2).split());
    }

    @Test
    void sftWithSystemMessageAndSeveralTurns() {
        assertEquals(Optional.of(DataKind.SFT), detect("valid/sft.jsonl").kind());
        List<Dialogue> ds = DataFiles.loadDialogues(fixture("valid/sft.jsonl"));
        assertEquals(List.of(Message.user("Say hi."), Message.assistant("Hi.")), ds.get(0).messages());
        assertEquals(5, ds.get(1).messages().size());
        assertEquals("6.", ds.get(1).finalReply());
        assertEquals(4, ds.get(1).context().size());
    }

    @Test
    void rankingsWithOptionalPerResponseLists() {
        assertEquals(Optional.of(DataKind.RANKINGS), detect("valid/rankings.jsonl").kind());
        List<Ranking> rs = DataFiles.loadRankings(fixture("valid/rankings.jsonl"));
        assertEquals(List.of(2, 4, 9), rs.stream().map(Ranking::k).toList());
        Ranking r = rs.get(1);
        assertEquals(new ResponseSource("sft-1", 0.7, 11L), r.sources().get(0));
        assertEquals(new ResponseSource("ppo-3", 1.0, 13L), r.sources().get(2), "an integer temperature is a number");
        assertNull(r.sources().get(3).seed());
        assertEquals(Set.of(Flag.NOT_FOLLOWING, Flag.HARMFUL), r.flags().get(3));
        assertEquals(List.of(true, true, true, false), r.eos());
        assertEquals("fruit", r.gold().get("category").asText());
    }

    @Test
    void pairsInEveryAcceptedForm() {
        assertEquals(Optional.of(DataKind.PAIRS), detect("valid/pairs.jsonl").kind());
        List<PairRecord> ps = DataFiles.loadPairs(fixture("valid/pairs.jsonl"));
        assertEquals(new PairRecord("Is the sky blue?", "Yes, on a clear day.", "No."), ps.get(0));
        assertEquals(new PairRecord("What is 2+2?", "4.", "5."), ps.get(1), "HH transcript pair");
        assertEquals(new PairRecord(List.of(Message.user("Hi"), Message.assistant("Hello!"), Message.user("Tell me a joke.")),
                "Why did the chicken cross the road?", "No."), ps.get(2), "multi-turn HH pair");
        assertEquals(new PairRecord("Capital of France?", "Paris.", "Lyon."), ps.get(3), "TRL conversational");
        assertEquals(new PairRecord("Capital of Italy?", "Rome.", "Milan."), ps.get(4), "TRL implicit prompt");
        assertEquals(new PairRecord("Translate 'chat'.", "Cat.", "Dog."), ps.get(5), "HH-style prompt string, replies trimmed");
    }

    @Test
    void crlfLineEndingsAreAcceptedAndStripped() {
        List<PromptRecord> ps = DataFiles.loadPrompts(fixture("valid/crlf-prompts.jsonl"));
        assertEquals(List.of("First, with a CRLF ending.", "Second."), ps.stream().map(PromptRecord::prompt).toList());
    }

    @Test
    void gzipIsReadTransparently() {
        assertEquals(DataFiles.loadPrompts(fixture("valid/prompts.jsonl")), DataFiles.loadPrompts(fixture("valid/prompts.jsonl.gz")));
    }

    @Test
    void validateAllReportsEveryFileInOrder() {
        List<ValidationReport> reports = DataFiles.validateAll(
                List.of(fixture("valid/sft.jsonl"), fixture("defects/blank-lines.jsonl"), fixture("valid/rankings.jsonl")), Optional.empty());
        assertEquals(List.of(true, false, true), reports.stream().map(ValidationReport::valid).toList());
        assertEquals(List.of(Optional.of(DataKind.SFT), Optional.of(DataKind.PROMPTS), Optional.of(DataKind.RANKINGS)),
                reports.stream().map(ValidationReport::kind).toList());
    }
}
