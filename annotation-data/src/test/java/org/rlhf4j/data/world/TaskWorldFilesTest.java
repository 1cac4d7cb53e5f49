package org.rlhf4j.data.world;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskWorldFilesTest {

    private static final List<String> SPLITS = List.of("train", "validation", "test");

    @Test
    void generatorIsDeterministicAndTheShippedFilesAreItsOutput() throws Exception {
        Map<String, byte[]> built = BuildTaskWorld.build(BuildTaskWorld.SEED);
        assertEquals(Set.of("sft.train.jsonl.gz", "sft.validation.jsonl.gz", "prompts.train.jsonl.gz",
                "prompts.validation.jsonl.gz", "prompts.test.jsonl.gz", "cloze.test.jsonl.gz"), built.keySet());
        for (Map.Entry<String, byte[]> file : built.entrySet()) {
            try (InputStream shipped = getClass().getResourceAsStream(EmbeddedTaskWorld.FOLDER + file.getKey())) {
                assertNotNull(shipped, file.getKey());
                assertArrayEquals(shipped.readAllBytes(), file.getValue(),
                        file.getKey() + " differs from a fresh build: rerun BuildTaskWorld (see README)");
            }
        }
        Map<String, byte[]> otherSeed = BuildTaskWorld.build(BuildTaskWorld.SEED + 1);
        assertFalse(java.util.Arrays.equals(built.get("sft.train.jsonl.gz"), otherSeed.get("sft.train.jsonl.gz")));
    }

    @Test
    void splitsAreDisjointByPromptAndByWordOrTopic() {
        Map<String, String> splitOfPrompt = new HashMap<>();
        Map<String, String> splitOfGroup = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (String split : SPLITS) {
            List<PromptInfo> prompts = new ArrayList<>(EmbeddedTaskWorld.prompts(split));
            if (!split.equals("test")) {
                EmbeddedTaskWorld.demonstrations(split).forEach(d -> prompts.add(d.prompt()));
            }
            for (PromptInfo p : prompts) {
                String before = splitOfPrompt.put(p.prompt(), split);
                if (before != null && !before.equals(split)) {
                    problems.add("prompt in " + before + " and " + split + ": " + p.prompt());
                }
                String group = switch (p.taskFamily()) {
                    case DEFINITION -> "word:" + p.goldText("word");
                    case SENTIMENT -> "topic:" + p.goldText("topic");
                    default -> "prompt:" + p.prompt();
                };
                before = splitOfGroup.put(group, split);
                if (before != null && !before.equals(split)) {
                    problems.add(group + " in " + before + " and " + split);
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void idsNameOnePromptEverywhere() {
        Map<String, String> promptOfId = new HashMap<>();
        for (String split : SPLITS) {
            for (PromptInfo p : EmbeddedTaskWorld.prompts(split)) {
                String before = promptOfId.put(p.id(), p.prompt());
                assertTrue(before == null || before.equals(p.prompt()), p.id());
                assertTrue(p.id().startsWith(p.taskFamily().idPrefix() + "-"), p.id());
            }
        }
        Set<String> sftIds = new HashSet<>();
        for (EmbeddedTaskWorld.Demonstration d : EmbeddedTaskWorld.demonstrations("train")) {
            assertTrue(sftIds.add(d.prompt().id()), "duplicate id " + d.prompt().id());
            String before = promptOfId.get(d.prompt().id());
            assertTrue(before == null || before.equals(d.prompt().prompt()), d.prompt().id());
        }
    }

    @Test
    void demonstrationsScoreHighOnTheirOwnJudge() {
        GoldJudge judge = GoldJudge.load();
        for (String split : List.of("train", "validation")) {
            Map<TaskFamily, double[]> sums = new EnumMap<>(TaskFamily.class);
            for (EmbeddedTaskWorld.Demonstration d : EmbeddedTaskWorld.demonstrations(split)) {
                double score = judge.score(d.prompt(), d.firstResponse(), true).score();
                double[] sum = sums.computeIfAbsent(d.prompt().taskFamily(), k -> new double[2]);
                sum[0] += score;
                sum[1]++;
            }
            assertEquals(4, sums.size());
            sums.forEach((family, sum) -> assertTrue(sum[0] / sum[1] >= 0.85,
                    split + " " + family + " demonstrations score " + sum[0] / sum[1]));
        }
    }

    @Test
    void harmlessnessDemonstrationsRefuseExactlyTheHarmfulRequests() {
        for (EmbeddedTaskWorld.Demonstration d : EmbeddedTaskWorld.demonstrations("train")) {
            if (d.prompt().taskFamily() == TaskFamily.HARMLESSNESS) {
                assertEquals(d.prompt().goldBoolean("should_refuse"), Refusals.isRefusal(d.firstResponse()),
                        d.prompt().prompt() + " -> " + d.firstResponse());
            }
        }
    }

    @Test
    void sizesFitTheTinyModel() {
        List<EmbeddedTaskWorld.Demonstration> train = EmbeddedTaskWorld.demonstrations("train");
        assertTrue(train.size() >= 1900, "sft.train " + train.size());
        assertTrue(EmbeddedTaskWorld.demonstrations("validation").size() >= 200);
        assertTrue(EmbeddedTaskWorld.prompts("train").size() >= 900);
        assertTrue(EmbeddedTaskWorld.prompts("test").size() >= 150);
        for (EmbeddedTaskWorld.Demonstration d : train) {
            for (ChatTurn turn : d.messages()) {
                int bytes = turn.content().getBytes(StandardCharsets.UTF_8).length;
                assertTrue(bytes <= 80, "over 80 bytes: " + turn.content());
            }
            assertEquals("assistant", d.messages().get(d.messages().size() - 1).role());
        }
        assertTrue(train.stream().anyMatch(d -> d.messages().size() > 2), "some dialogues are multi-turn");
    }

    @Test
    void clozeProbesAreWellFormed() {
        List<JsonNode> probes = EmbeddedTaskWorld.records("cloze.test.jsonl.gz");
        assertEquals(BuildTaskWorld.CLOZE_PROBES, probes.size());
        for (JsonNode probe : probes) {
            String context = probe.get("context").asText();
            assertEquals(context.indexOf(ClozeProbes.BLANK), context.lastIndexOf(ClozeProbes.BLANK), context);
            assertTrue(context.contains(ClozeProbes.BLANK), context);
            Set<String> candidates = new HashSet<>();
            probe.get("candidates").forEach(c -> candidates.add(c.asText()));
            assertEquals(4, candidates.size(), probe.toString());
            int answer = probe.get("answer").asInt();
            assertTrue(answer >= 0 && answer < 4);
        }
    }

    @Test
    void pretrainingCorpusHasEverySourceInEverySplit() throws IOException {
        for (String split : SPLITS) {
            Set<String> sources = new HashSet<>();
            for (JsonNode record : EmbeddedTaskWorld.records("pretrain." + split + ".jsonl.gz")) {
                sources.add(record.get("source").asText());
                assertEquals(Set.of("text", "source"), fieldNames(record));
            }
            assertEquals(Set.of("sotu", "moby-dick", "kjv", "fortunes"), sources, split);
        }
    }

    private static Set<String> fieldNames(JsonNode record) {
        Set<String> names = new HashSet<>();
        record.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
