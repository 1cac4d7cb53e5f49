package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rlhf4j.data.validate.Fixtures.fixture;
import static org.rlhf4j.data.validate.Fixtures.lineMessages;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * One test per defect the validator must catch: each asserts the exact line numbers and messages, and that the good
 * lines of the same file still came through as records.
 */
class DefectsTest {
    private final JsonlValidator validator = new JsonlValidator();

    private ValidationReport check(String name, DataKind kind) {
        return validator.validate(fixture(name), Optional.ofNullable(kind));
    }

    @Test
    void utf8ByteOrderMarkIsAnErrorSaidSo() {
        ValidationReport r = check("defects/bom.jsonl", null);
        assertEquals(List.of("1: the line starts with a UTF-8 byte-order mark (BOM); JSON Lines files must not have one"
                + " (save the file as UTF-8 without BOM)"), lineMessages(r.problems()));
        assertEquals(Optional.of(DataKind.PROMPTS), r.kind(), "the rest of line 1 is still read");
        assertEquals(2, r.records().size());
    }

    @Test
    void utf16FileIsReportedOnceNotLineByLine() {
        ValidationReport r = check("defects/utf16.jsonl", null);
        assertEquals(List.of("1: the file starts with a UTF-16 byte-order mark; JSON Lines files must be UTF-8"
                + " (save it as UTF-8 without a byte-order mark)"), lineMessages(r.problems()));
    }

    @Test
    void invalidUtf8IsReportedWithLineAndByte() {
        // Line 3 is {"id": "p3", "prompt": "Caf\xE9 au lait."}: the Latin-1 é is byte 28.
        ValidationReport r = check("defects/invalid-utf8.jsonl", DataKind.PROMPTS);
        assertEquals(List.of("3: invalid UTF-8 at byte 28 of the line (0xE9); the file must be UTF-8"
                + " (was it saved as Latin-1 or Windows-1252?)"), lineMessages(r.problems()));
        assertEquals(3, r.records().size());
    }

    @Test
    void blankLinesAreErrors() {
        ValidationReport r = check("defects/blank-lines.jsonl", DataKind.PROMPTS);
        assertEquals(List.of("2: blank line", "4: blank line"), lineMessages(r.problems()));
        assertEquals(3, r.records().size());
    }

    @Test
    void lineOverTheByteLimit() {
        // Line 2 is {"id": "p2", "prompt": "xxx…"} with 300 x's: 26 bytes of JSON around them.
        ValidationReport r = new JsonlValidator(200).validate(fixture("defects/long-line.jsonl"), Optional.of(DataKind.PROMPTS));
        assertEquals(List.of("2: the line is 326 bytes long, over the limit of 200 bytes"), lineMessages(r.problems()));
        assertEquals(2, r.records().size());
        assertTrue(check("defects/long-line.jsonl", DataKind.PROMPTS).valid(), "within the default 1 MiB limit");
    }

    @Test
    void textThatIsNotOneJsonObject() {
        ValidationReport r = check("defects/bad-json.jsonl", DataKind.PRETRAIN);
        assertEquals(List.of(
                "2: not valid JSON at column 24: Unexpected end-of-input: expected close marker for Object",
                "3: not valid JSON at column 15: more text follows the JSON object (one object per line)",
                "4: not valid JSON at column 21: the field 'text' appears twice",
                "5: expected a JSON object, found a list",
                "6: expected a JSON object, found a string",
                "7: not valid JSON at column 2: Unexpected character ('t' (code 116)): was expecting double-quote to start field name"),
                lineMessages(r.problems()));
        assertEquals(2, r.records().size());
    }

    @Test
    void wrongTypes() {
        ValidationReport r = check("defects/types.jsonl", DataKind.PROMPTS);
        assertEquals(List.of(
                "2: \"prompt\" must be a string, found a number (5)",
                "3: \"split\" is \"dev\"; expected train, validation or test",
                "4: \"gold\" must be a JSON object, found a list",
                "5: missing field \"id\"",
                "6: \"id\" must be a string, found a list",
                "6: \"family\" must be a string, found a number (7)"), lineMessages(r.problems()));
        assertEquals(1, r.records().size());
    }

    @Test
    void missingFields() {
        ValidationReport r = check("defects/missing.jsonl", DataKind.RANKINGS);
        assertEquals(List.of(
                "1: missing field \"annotator\"",
                "2: missing field \"responses\"",
                "2: missing field \"ranking\"",
                "3: missing field \"prompt\""), lineMessages(r.problems()));
    }

    @Test
    void unknownFieldsAreErrorsButGoldIsFreeForm() {
        ValidationReport r = check("defects/unknown.jsonl", DataKind.PROMPTS);
        assertEquals(List.of(
                "2: unknown field \"promt\" (allowed: id, prompt, family, split, gold)",
                "2: missing field \"prompt\"",
                "3: unknown field \"score\" (allowed: id, prompt, family, split, gold)",
                "3: unknown field \"Split\" (allowed: id, prompt, family, split, gold)"), lineMessages(r.problems()));
        assertEquals(1, r.records().size(), "line 1 has unknown keys inside gold only");
    }

    @Test
    void emptyText() {
        ValidationReport r = check("defects/empty-text.jsonl", DataKind.PRETRAIN);
        assertEquals(List.of(
                "2: \"text\" is empty",
                "3: \"text\" is empty",
                "4: \"source\" is empty (leave the field out instead)"), lineMessages(r.problems()));
    }

    @Test
    void rankingNotAPermutation() {
        ValidationReport r = check("defects/ranking-permutation.jsonl", DataKind.RANKINGS);
        assertEquals(List.of(
                "2: \"ranking\" is not a permutation of 0..2: [0, 0, 1] (repeated: 0; missing: 2)",
                "3: \"ranking\" has 2 entries but there are 3 responses",
                "4: \"ranking\" is not a permutation of 0..2: [0, 1, 3] (out of range: 3; missing: 2)",
                "5: \"ranking[1]\" must be an integer, found a number (1.5)"), lineMessages(r.problems()));
        assertEquals(1, r.records().size());
    }

    @Test
    void shownOrderNotAPermutation() {
        // line 5 has no "shown" at all: a ranking not made on the labelling page, valid as before
        ValidationReport r = check("defects/ranking-shown.jsonl", DataKind.RANKINGS);
        assertEquals(List.of(
                "2: \"shown\" is not a permutation of 0..2: [1, 1, 0] (repeated: 1; missing: 2)",
                "3: \"shown\" has 2 entries but there are 3 responses",
                "4: \"shown\" must be a list, found a string"), lineMessages(r.problems()));
        assertEquals(2, r.records().size());
    }

    @Test
    void kOutsideTwoToNine() {
        ValidationReport r = check("defects/ranking-k.jsonl", DataKind.RANKINGS);
        assertEquals(List.of(
                "1: \"responses\" has 1 entry; K must be between 2 and 9",
                "2: \"responses\" has 10 entries; K must be between 2 and 9",
                "4: \"responses\" has 0 entries; K must be between 2 and 9"), lineMessages(r.problems()));
        assertEquals(1, r.records().size(), "K=9 on line 3 is allowed");
    }

    @Test
    void duplicateAndEmptyResponses() {
        ValidationReport r = check("defects/duplicate-responses.jsonl", DataKind.RANKINGS);
        assertEquals(List.of(
                "2: \"responses[2]\" is identical to \"responses[0]\"",
                "3: \"responses[1]\" is empty"), lineMessages(r.problems()));
    }

    @Test
    void perResponseListsMustHaveKEntriesOfTheRightShape() {
        ValidationReport r = check("defects/lengths.jsonl", DataKind.RANKINGS);
        assertEquals(List.of(
                "1: \"sources\" has 2 entries but there are 3 responses",
                "2: \"flags\" has 4 entries but there are 3 responses",
                "3: \"eos\" has 1 entry but there are 3 responses",
                "4: \"flags[0][0]\" is \"rude\"; expected \"harmful\" or \"not_following\"",
                "4: \"flags[1]\" has \"harmful\" twice",
                "5: \"sources[0].checkpoint\" is empty",
                "5: \"sources[0].temperature\" must be a finite number >= 0, found -1.0",
                "5: unknown field \"sources[1].temp\" (allowed: checkpoint, temperature, seed)",
                "5: missing field \"sources[1].temperature\"",
                "5: \"sources[2].seed\" must be an integer, found a number (1.5)",
                "6: \"eos[2]\" must be true or false, found a string"), lineMessages(r.problems()));
    }

    @Test
    void badRolesAndTurnOrder() {
        ValidationReport r = check("defects/sft-roles.jsonl", DataKind.SFT);
        assertEquals(List.of(
                "1: \"messages[1].role\" is \"bot\"; expected system, user or assistant",
                "2: \"messages[1]\": two \"user\" messages in a row (user and assistant must alternate)",
                "3: \"messages[1]\": \"system\" is only allowed as the first message",
                "4: \"messages\" must end with an \"assistant\" message, ends with \"user\"",
                "5: \"messages\" has no messages",
                "6: \"messages[0]\": the conversation must start with a \"user\" message, found \"assistant\"",
                "7: \"messages[1].content\" is empty",
                "9: unknown field \"messages[1].name\" (allowed: role, content)"), lineMessages(r.problems()));
        assertEquals(1, r.records().size(), "line 8 (system, user, assistant) is valid");
    }

    @Test
    void duplicatePromptIdsPointAtTheFirstUse() {
        ValidationReport r = check("defects/duplicate-ids.jsonl", DataKind.PROMPTS);
        assertEquals(List.of("3: \"id\" \"p1\" is already used on line 1"), lineMessages(r.problems()));
    }

    @Test
    void emptyFile() {
        String f = fixture("defects/empty.jsonl");
        ValidationReport r = validator.validate(f, Optional.of(DataKind.PROMPTS));
        assertEquals(List.of(f + ": the file is empty (no records)"), r.problems().stream().map(Problem::toString).toList());
    }

    @Test
    void undetectableKindNamesTheFieldsSeen() {
        ValidationReport r = check("defects/no-kind.jsonl", null);
        assertEquals(1, r.problems().size());
        assertEquals(1, r.problems().get(0).line());
        assertTrue(r.problems().get(0).message().startsWith("cannot tell the data kind from the fields {txt}: expected"),
                r.problems().get(0).message());
        assertEquals(Optional.empty(), r.kind());
    }

    @Test
    void gzipLineNumbersAreOfTheDecompressedText() {
        ValidationReport r = check("defects/missing-prompt.jsonl.gz", null);
        assertEquals(List.of("3: missing field \"prompt\""), lineMessages(r.problems()));
        assertEquals(3, r.records().size());
    }

    @Test
    void misnamedOrCutOffGzip() {
        String notGzip = fixture("defects/not-gzip.jsonl.gz");
        assertEquals(List.of(notGzip + ": cannot read: the name ends in .gz but the content is not gzip data (Not in GZIP format)"),
                validator.validate(notGzip, Optional.empty()).problems().stream().map(Problem::toString).toList());
        ValidationReport cut = check("defects/truncated.jsonl.gz", null);
        assertEquals(1, cut.problems().size());
        assertTrue(cut.problems().get(0).message().matches("cannot read line \\d+: .*\\(is the \\.gz file cut off or damaged\\?\\)"),
                cut.problems().get(0).message());
    }
}
