package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.rlhf4j.data.validate.Fixtures.fixture;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidateCommandTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private List<String> output() {
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
    }

    @Test
    void validFilesExitZeroWithASummaryEach() {
        String a = fixture("valid/sft.jsonl"), b = fixture("valid/rankings.jsonl");
        assertEquals(ValidateCommand.OK, new ValidateCommand().run(List.of(a, b), null, out));
        assertEquals(List.of(a + ": ok, 2 dialogues", b + ": ok, 3 rankings"), output());
    }

    @Test
    void problemsArePrintedAndExitOne() {
        String good = fixture("valid/prompts.jsonl"), bad = fixture("defects/blank-lines.jsonl");
        assertEquals(ValidateCommand.PROBLEMS, new ValidateCommand().run(List.of(bad, good), "prompts", out));
        assertEquals(List.of(bad + ":2: blank line", bad + ":4: blank line", bad + ": 2 problems", good + ": ok, 3 prompts"), output());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(ValidateCommand.USAGE, new ValidateCommand().run(List.of(), null, out));
        assertEquals(ValidateCommand.USAGE, new ValidateCommand().run(List.of("x.jsonl"), "sfts", out));
        assertEquals(List.of("validate: no files given",
                "validate: unknown data kind \"sfts\"; expected one of pretrain, prompts, sft, rankings, pairs, candidates, cloze"), output());
    }
}
