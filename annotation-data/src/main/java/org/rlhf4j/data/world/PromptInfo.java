package org.rlhf4j.data.world;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a gold judge needs to know about a prompt: its id, family, text and the family's gold facts
 * (definition {word, pos, gloss}; sentiment {topic, target}; arithmetic {answer}; harmlessness {category, should_refuse}).
 */
public record PromptInfo(String id, String family, String prompt, Map<String, Object> gold) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public PromptInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        TaskFamily.of(family);
        gold = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(gold, "gold")));
    }

    /** Reads the id, family, gold and prompt of a prompts, SFT or ranking record (the prompt of SFT is its first user turn). */
    public static PromptInfo fromJson(JsonNode record) {
        String prompt;
        if (record.has("prompt")) {
            prompt = record.get("prompt").asText();
        } else if (record.has("messages")) {
            prompt = null;
            for (JsonNode message : record.get("messages")) {
                if ("user".equals(message.path("role").asText())) {
                    prompt = message.path("content").asText();
                    break;
                }
            }
            if (prompt == null) {
                throw new IllegalArgumentException("record " + record.path("id").asText() + " has no user message");
            }
        } else {
            throw new IllegalArgumentException("record " + record.path("id").asText() + " has neither prompt nor messages");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> gold = JSON.convertValue(record.path("gold"), LinkedHashMap.class);
        return new PromptInfo(record.path("id").asText(), record.path("family").asText(), prompt,
                gold == null ? Map.of() : gold);
    }

    public TaskFamily taskFamily() {
        return TaskFamily.of(family);
    }

    /** A gold field as text; the error names the prompt and the field. */
    public String goldText(String key) {
        Object value = gold.get(key);
        if (value == null) {
            throw new IllegalArgumentException("prompt " + id + " (" + family + "): gold has no '" + key + "'");
        }
        return value.toString();
    }

    /** A gold field as an integer; the error names the prompt and the field. */
    public int goldInt(String key) {
        Object value = gold.get(key);
        if (value instanceof Number number) {
            return number.intValue();
        }
        throw new IllegalArgumentException("prompt " + id + " (" + family + "): gold '" + key + "' is not a number: " + value);
    }

    /** A gold field as a boolean; the error names the prompt and the field. */
    public boolean goldBoolean(String key) {
        Object value = gold.get(key);
        if (value instanceof Boolean bool) {
            return bool;
        }
        throw new IllegalArgumentException("prompt " + id + " (" + family + "): gold '" + key + "' is not a boolean: " + value);
    }
}
