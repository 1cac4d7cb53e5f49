package org.rlhf4j.data.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.rlhf4j.data.validate.Fixtures.fixture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.DataKind;

class JsonlWriterTest {

    /** Every valid fixture, read, written and read again, gives the same records; .gz output too. */
    @Test
    void roundTripEveryKind(@TempDir Path dir) throws IOException {
        String[][] cases = {{"valid/pretrain.jsonl", "pretrain"}, {"valid/prompts.jsonl", "prompts"}, {"valid/sft.jsonl", "sft"},
                {"valid/rankings.jsonl", "rankings"}, {"valid/pairs.jsonl", "pairs"}};
        for (String[] c : cases) {
            DataKind kind = DataKind.fromWireName(c[1]);
            List<?> records = DataFiles.load(fixture(c[0]), kind);
            for (String name : List.of(c[1] + ".jsonl", c[1] + ".jsonl.gz")) {
                Path out = dir.resolve(name);
                JsonlWriter.write(out, records);
                assertEquals(records, DataFiles.load(out.toString(), kind), name);
            }
        }
    }

    @Test
    void replacesTheTargetAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("sub/prompts.jsonl");
        JsonlWriter.write(out, List.of(new PromptRecord("a", "A")));
        JsonlWriter.write(out, List.of(new PromptRecord("b", "B"), new PromptRecord("c", "C")));
        assertEquals("{\"id\":\"b\",\"prompt\":\"B\"}\n{\"id\":\"c\",\"prompt\":\"C\"}\n", Files.readString(out, StandardCharsets.UTF_8));
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(List.of(out), files.toList());
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFile(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("prompts.jsonl");
        JsonlWriter.write(out, List.of(new PromptRecord("old", "Old.")));
        Iterable<Object> failing = () -> new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Object next() {
                if (i++ == 0) return new PromptRecord("new", "New.");
                throw new IllegalStateException("sampler crashed");
            }
        };
        assertThrows(IllegalStateException.class, () -> JsonlWriter.write(out, failing));
        assertEquals("{\"id\":\"old\",\"prompt\":\"Old.\"}\n", Files.readString(out));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temporary file was removed");
        }
    }
}
