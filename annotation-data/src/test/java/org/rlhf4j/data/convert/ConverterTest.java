package org.rlhf4j.data.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rlhf4j.data.validate.Fixtures.fixture;
import static org.rlhf4j.data.validate.Fixtures.lineMessages;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.PairRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.DataKind;
import org.rlhf4j.data.validate.InvalidDataException;

/** Conversions on hand-written examples of each outside form, checked line by line. */
class ConverterTest {
    private final Converter converter = new Converter();

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    @Test
    void trlPairsBecomeK2Rankings(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("rankings.jsonl");
        assertEquals(3, converter.convert(SourceForm.PAIRS, DataKind.RANKINGS, fixture("convert/trl-pairs.jsonl"), out));
        assertEquals(List.of(
                "{\"prompt\":\"Is water wet?\",\"responses\":[\"Yes.\",\"Maybe.\"],\"ranking\":[0,1],\"annotator\":\"imported\"}",
                "{\"prompt\":\"System: Answer in one word.\\n\\nHuman: Capital of France?\",\"responses\":[\"Paris.\",\"London.\"],"
                        + "\"ranking\":[0,1],\"annotator\":\"imported\"}",
                "{\"prompt\":\"Human: 2+2?\\n\\nAssistant: 4.\\n\\nHuman: Times 3?\",\"responses\":[\"12.\",\"7.\"],"
                        + "\"ranking\":[0,1],\"annotator\":\"imported\"}"), lines(out));
        List<Ranking> rs = DataFiles.loadRankings(out.toString());
        assertEquals("Paris.", rs.get(1).responseAtRank(0), "chosen is ranked first");
    }

    @Test
    void hhTranscriptPairsBecomeK2Rankings(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("rankings.jsonl.gz");
        assertEquals(2, converter.convert(SourceForm.PAIRS, DataKind.RANKINGS, fixture("convert/hh-pairs.jsonl"), out));
        List<Ranking> rs = DataFiles.loadRankings(out.toString());
        assertEquals(new Ranking("What is the capital of Peru?", List.of("Lima.", "I don't know."), List.of(0, 1), "imported"), rs.get(0));
        assertEquals(new Ranking("Human: Hi there\n\nAssistant: Hello! How can I help?\n\nHuman: Spell cat.",
                List.of("C-A-T.", "K-A-T."), List.of(0, 1), "imported"), rs.get(1));
    }

    @Test
    void badPairsAreAllReportedAndNothingIsWritten(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("rankings.jsonl");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> converter.convert(SourceForm.PAIRS, DataKind.RANKINGS, fixture("convert/bad-hh-pairs.jsonl"), out));
        assertEquals(List.of(
                "2: \"chosen\" and \"rejected\" are identical",
                "3: \"chosen\" and \"rejected\" do not share a prefix ending in \"\\n\\nAssistant:\", so the prompt cannot be told apart from the replies",
                "4: \"chosen\" is empty",
                "5: \"chosen\" goes on after its reply with another \"\\n\\nHuman:\" or \"\\n\\nAssistant:\" turn",
                "6: unknown field \"id\" (allowed: prompt, chosen, rejected)"), lineMessages(e.problems()));
        assertFalse(Files.exists(out));
    }

    @Test
    void promptCompletionBecomesDialogues(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sft.jsonl");
        assertEquals(3, converter.convert(SourceForm.PROMPT_COMPLETION, DataKind.SFT, fixture("convert/prompt-completion.jsonl"), out));
        assertEquals(List.of(
                new Dialogue(List.of(Message.user("Say hello."), Message.assistant("Hello."))),
                new Dialogue(List.of(Message.system("Be terse."), Message.user("Count to two."), Message.assistant("1, 2."))),
                new Dialogue(List.of(Message.user("Name a colour."), Message.assistant("Teal.")))),
                DataFiles.loadDialogues(out.toString()));
        assertEquals("{\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"},{\"role\":\"assistant\",\"content\":\"Hello.\"}]}",
                lines(out).get(0));
    }

    @Test
    void badPromptCompletion(@TempDir Path dir) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> converter.convert(
                SourceForm.PROMPT_COMPLETION, DataKind.SFT, fixture("convert/bad-prompt-completion.jsonl"), dir.resolve("o.jsonl")));
        assertEquals(List.of(
                "2: missing field \"completion\"",
                "3: \"prompt\" and \"completion\" must both be strings or both lists of messages; found a string and a list",
                "4: \"messages[1]\": two \"user\" messages in a row (user and assistant must alternate)",
                "4: \"messages\" must end with an \"assistant\" message, ends with \"user\"",
                "5: \"prompt\" is empty"), lineMessages(e.problems()));
    }

    @Test
    void hhTextBecomesDialogues(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sft.jsonl");
        assertEquals(2, converter.convert(SourceForm.HH_TEXT, DataKind.SFT, fixture("convert/hh-text.jsonl"), out));
        assertEquals(List.of(
                new Dialogue(List.of(Message.user("What is 3+4?"), Message.assistant("7."))),
                new Dialogue(List.of(Message.user("Hi"), Message.assistant("Hello."), Message.user("Bye"), Message.assistant("Goodbye.")))),
                DataFiles.loadDialogues(out.toString()));
    }

    @Test
    void badHhText(@TempDir Path dir) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> converter.convert(
                SourceForm.HH_TEXT, DataKind.SFT, fixture("convert/bad-hh-text.jsonl"), dir.resolve("o.jsonl")));
        assertEquals(List.of(
                "2: \"messages\" must end with an \"assistant\" message, ends with \"user\"",
                "3: \"text\" has text before its first \"\\n\\nHuman:\" turn",
                "4: \"text\" turn 0 (Human) is empty"), lineMessages(e.problems()));
    }

    @Test
    void pairRecordToRanking() {
        assertEquals(new Ranking("Q", List.of("good", "bad"), List.of(0, 1), "imported"),
                Converter.toRanking(new PairRecord("Q", "good", "bad")));
    }

    @Test
    void commandExitCodesAndMessages(@TempDir Path dir) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream msgs = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        String in = fixture("convert/hh-text.jsonl");
        String out = dir.resolve("sft.jsonl").toString();
        assertEquals(Converter.OK, converter.run("hh-text", "sft", in, out, msgs));
        assertEquals(Converter.USAGE, converter.run("hh-text", "rankings", in, out, msgs));
        assertEquals(Converter.USAGE, converter.run("hh", "sft", in, out, msgs));
        assertEquals(Converter.PROBLEMS, converter.run("pairs", "rankings", fixture("convert/bad-hh-pairs.jsonl"), dir.resolve("r.jsonl").toString(), msgs));
        List<String> printed = List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
        assertEquals(in + ": converted 2 dialogues from hh-text to " + out, printed.get(0));
        assertEquals("convert: --from hh-text converts to sft, not rankings", printed.get(1));
        assertEquals("convert: unknown source form \"hh\"; expected one of pairs, prompt-completion, hh-text", printed.get(2));
        assertEquals(5 + 4, printed.size(), "five problems and a summary after the three lines above");
        assertEquals(fixture("convert/bad-hh-pairs.jsonl") + ": 5 problem(s); nothing written to " + dir.resolve("r.jsonl"), printed.get(8));
    }
}
