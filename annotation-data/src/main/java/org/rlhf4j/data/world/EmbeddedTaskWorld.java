package org.rlhf4j.data.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the shipped files of the embedded task world from the classpath ({@code org/rlhf4j/data/embedded/}).
 * For general-purpose loading with validation use the format package; this reader serves the task world's own tools.
 */
public final class EmbeddedTaskWorld {

    /** Classpath folder of the shipped files. */
    public static final String FOLDER = "/org/rlhf4j/data/embedded/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A demonstration dialogue: the prompt it answers (with gold) and its messages. */
    public record Demonstration(PromptInfo prompt, String split, List<ChatTurn> messages) {

        /** The first assistant message: the demonstration of the prompt. */
        public String firstResponse() {
            return messages.stream().filter(m -> m.role().equals("assistant")).findFirst().orElseThrow().content();
        }
    }

    private EmbeddedTaskWorld() {
    }

    /** The records of a shipped file such as "prompts.test.jsonl.gz", one JSON tree per line. */
    public static List<JsonNode> records(String fileName) {
        String resource = FOLDER + fileName;
        try (InputStream raw = EmbeddedTaskWorld.class.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
            List<JsonNode> records = new ArrayList<>();
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                try {
                    records.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new IllegalStateException(resource + ":" + number + ": " + e.getMessage(), e);
                }
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException(resource + ": " + e.getMessage(), e);
        }
    }

    /** Prompts of a split: "train" (the RL prompts), "validation" or "test". */
    public static List<PromptInfo> prompts(String split) {
        return records("prompts." + split + ".jsonl.gz").stream().map(PromptInfo::fromJson).toList();
    }

    /** SFT demonstrations of a split: "train" or "validation". */
    public static List<Demonstration> demonstrations(String split) {
        List<Demonstration> demonstrations = new ArrayList<>();
        for (JsonNode record : records("sft." + split + ".jsonl.gz")) {
            List<ChatTurn> messages = new ArrayList<>();
            for (JsonNode message : record.get("messages")) {
                messages.add(new ChatTurn(message.get("role").asText(), message.get("content").asText()));
            }
            demonstrations.add(new Demonstration(PromptInfo.fromJson(record), record.get("split").asText(), List.copyOf(messages)));
        }
        return demonstrations;
    }
}
