package org.rlhf4j.data.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.validate.DataFiles;

class JsonlAppenderTest {
    private static Ranking ranking(String prompt) {
        return new Ranking(prompt, List.of("a", "b"), List.of(1, 0), "ann-1");
    }

    @Test
    void appendsAcrossReopeningAndTheResultValidates(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("labels/rankings.jsonl");
        try (JsonlAppender a = JsonlAppender.open(file)) {
            a.append(ranking("one"));
            a.append(ranking("two"));
        }
        try (JsonlAppender a = JsonlAppender.open(file)) {
            a.append(ranking("three"));
        }
        assertEquals(List.of(ranking("one"), ranking("two"), ranking("three")), DataFiles.loadRankings(file.toString()));
    }

    @Test
    void eachAppendIsOnDiskWhenItReturns(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("r.jsonl");
        try (JsonlAppender a = JsonlAppender.open(file)) {
            a.append(ranking("one"));
            assertEquals(1, Files.readAllLines(file).size(), "visible before close");
        }
    }

    @Test
    void refusesAFileWithACutOffLastLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("r.jsonl");
        Files.writeString(file, "{\"prompt\": \"one\", \"responses\": [\"a\", \"b\"], \"ranking\": [1, 0], \"annotator\": \"a\"}\n{\"prom");
        IOException e = assertThrows(IOException.class, () -> JsonlAppender.open(file));
        assertTrue(e.getMessage().contains("the last line is incomplete (no final newline at byte 86)"), e.getMessage());
    }
}
