package org.rlhf4j.data.world;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.dictionary.Dictionary;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * Generates the instruction files of the embedded task world from WordNet 3.1, the VADER lexicon and the shipped
 * pretraining corpus: sft.{train,validation}, prompts.{train,validation,test} and cloze.test (gzip JSON Lines).
 * Deterministic: the same seed gives the same bytes. Splits are assigned by group (defined word, sentiment topic,
 * arithmetic problem, request core), so no prompt, and no word or topic, is in two splits.
 *
 * <p>Run from the repository root (the exact commands are in the module README, "The embedded task world"):
 * {@code java -cp "annotation-data/target/classes:$(cat annotation-data/target/classpath.txt)" org.rlhf4j.data.world.BuildTaskWorld}
 */
public final class BuildTaskWorld {

    public static final long SEED = 20261124L;
    public static final String DEFAULT_OUTPUT = "annotation-data/src/main/resources/org/rlhf4j/data/embedded";
    static final int DEFINITION_WORDS = 450;
    static final int ARITHMETIC_PROBLEMS = 950;
    static final int SENTIMENT_WORDS = 30;
    static final int RL_PROMPTS_PER_FAMILY = 250;
    static final int HELD_OUT_PROMPTS_PER_FAMILY = 50;
    static final int CLOZE_PROBES = 300;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Strongly rated adjectives that describe a state of affairs rather than a feeling, or do not fit "it is so ___". */
    private static final Set<String> NOT_FEELINGS = Set.of("worse", "criminal", "illegal", "fatal", "dead", "effective", "earnest");

    private BuildTaskWorld() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : DEFAULT_OUTPUT);
        Files.createDirectories(out);
        for (Map.Entry<String, byte[]> file : build(SEED).entrySet()) {
            Files.write(out.resolve(file.getKey()), file.getValue());
            System.out.printf("%-30s %9d bytes gzip%n", file.getKey(), file.getValue().length);
        }
        printDemonstrationScores(out);
    }

    /** The gold judge's mean score of the first assistant turn of each written SFT file, by family. */
    private static void printDemonstrationScores(Path out) throws IOException {
        GoldJudge judge = GoldJudge.load();
        for (String split : List.of("train", "validation")) {
            Map<String, double[]> sums = new LinkedHashMap<>();
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(out.resolve("sft." + split + ".jsonl.gz")))) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    JsonNode record = JSON.readTree(line);
                    PromptInfo prompt = PromptInfo.fromJson(record);
                    double score = judge.score(prompt, record.get("messages").get(1).get("content").asText(), true).score();
                    double[] sum = sums.computeIfAbsent(prompt.family(), k -> new double[2]);
                    sum[0] += score;
                    sum[1]++;
                }
            }
            sums.forEach((family, sum) -> System.out.printf(Locale.ROOT, "sft.%s %-12s %5d dialogues, mean gold score of demonstrations %.3f%n",
                    split, family, (int) sum[1], sum[0] / sum[1]));
        }
    }

    /** All generated files, by name, as gzip bytes. */
    public static Map<String, byte[]> build(long seed) throws JWNLException {
        Random random = new Random(seed);
        VaderLexicon lexicon = VaderLexicon.load();
        Map<String, Integer> counts = wordCounts(EmbeddedTaskWorld.records("pretrain.train.jsonl.gz"));
        Dictionary wordnet = Dictionary.getDefaultResourceInstance();
        List<DefinitionEntry> entries = WordNetGlosses.read(wordnet, DEFINITION_WORDS);

        List<TaskItem> items = new ArrayList<>();
        items.addAll(DefinitionTasks.generate(entries, random));
        items.addAll(SentimentTasks.generate(sentimentWords(lexicon, wordnet, counts, true),
                sentimentWords(lexicon, wordnet, counts, false), random));
        items.addAll(ArithmeticTasks.generate(ARITHMETIC_PROBLEMS, random));
        items.addAll(HarmlessnessTasks.generate(random));

        Map<TaskItem, String> splits = assignSplits(items, random);
        Map<TaskItem, String> ids = assignIds(items);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("sft.train.jsonl.gz", gzipLines(shuffled(inSplit(items, splits, "train"), random).stream()
                .map(item -> sftRecord(item, ids.get(item), "train")).toList()));
        files.put("sft.validation.jsonl.gz", gzipLines(shuffled(inSplit(items, splits, "validation"), random).stream()
                .map(item -> sftRecord(item, ids.get(item), "validation")).toList()));
        files.put("prompts.train.jsonl.gz", promptFile(items, splits, ids, "train", RL_PROMPTS_PER_FAMILY, random));
        files.put("prompts.validation.jsonl.gz", promptFile(items, splits, ids, "validation", HELD_OUT_PROMPTS_PER_FAMILY, random));
        files.put("prompts.test.jsonl.gz", promptFile(items, splits, ids, "test", HELD_OUT_PROMPTS_PER_FAMILY, random));
        files.put("cloze.test.jsonl.gz", clozeFile(random, counts));
        return files;
    }

    /**
     * Groups are split 80/10/10 within each family (70/15/15 for harmlessness, whose groups are few), harmful and
     * benign requests separately, so every split has both.
     */
    static Map<TaskItem, String> assignSplits(List<TaskItem> items, Random random) {
        Map<String, List<String>> groupsByStratum = new LinkedHashMap<>();
        for (TaskItem item : items) {
            String stratum = item.family().wireName() + (item.family() == TaskFamily.HARMLESSNESS ? ":" + item.gold().get("should_refuse") : "");
            List<String> groups = groupsByStratum.computeIfAbsent(stratum, k -> new ArrayList<>());
            if (!groups.contains(item.group())) {
                groups.add(item.group());
            }
        }
        Map<String, String> splitOfGroup = new HashMap<>();
        for (Map.Entry<String, List<String>> stratum : groupsByStratum.entrySet()) {
            List<String> groups = new ArrayList<>(stratum.getValue());
            Collections.sort(groups);
            Collections.shuffle(groups, random);
            double heldOutShare = stratum.getKey().startsWith("harmlessness") ? 0.15 : 0.10;
            int heldOut = (int) Math.round(groups.size() * heldOutShare);
            for (int i = 0; i < groups.size(); i++) {
                splitOfGroup.put(stratum.getKey() + "|" + groups.get(i), i < heldOut ? "test" : i < 2 * heldOut ? "validation" : "train");
            }
        }
        Map<TaskItem, String> splits = new IdentityHashMap<>();
        for (TaskItem item : items) {
            String stratum = item.family().wireName() + (item.family() == TaskFamily.HARMLESSNESS ? ":" + item.gold().get("should_refuse") : "");
            splits.put(item, splitOfGroup.get(stratum + "|" + item.group()));
        }
        return splits;
    }

    private static Map<TaskItem, String> assignIds(List<TaskItem> items) {
        Map<TaskFamily, Integer> next = new EnumMap<>(TaskFamily.class);
        Map<TaskItem, String> ids = new IdentityHashMap<>();
        for (TaskItem item : items) {
            int number = next.merge(item.family(), 1, Integer::sum);
            ids.put(item, String.format(Locale.ROOT, "%s-%05d", item.family().idPrefix(), number));
        }
        return ids;
    }

    private static List<TaskItem> inSplit(List<TaskItem> items, Map<TaskItem, String> splits, String split) {
        return items.stream().filter(item -> splits.get(item).equals(split)).toList();
    }

    private static <T> List<T> shuffled(List<T> list, Random random) {
        List<T> copy = new ArrayList<>(list);
        Collections.shuffle(copy, random);
        return copy;
    }

    /** Up to {@code perFamily} distinct prompts of each family from the split, in shuffled order. */
    private static byte[] promptFile(List<TaskItem> items, Map<TaskItem, String> splits, Map<TaskItem, String> ids,
                                     String split, int perFamily, Random random) {
        List<TaskItem> chosen = new ArrayList<>();
        for (TaskFamily family : TaskFamily.values()) {
            List<TaskItem> ofFamily = shuffled(inSplit(items, splits, split).stream().filter(i -> i.family() == family).toList(), random);
            Set<String> prompts = new LinkedHashSet<>();
            for (TaskItem item : ofFamily) {
                if (prompts.size() < perFamily && prompts.add(item.prompt())) {
                    chosen.add(item);
                }
            }
        }
        return gzipLines(shuffled(chosen, random).stream().map(item -> {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("id", ids.get(item));
            record.put("prompt", item.prompt());
            record.put("family", item.family().wireName());
            record.put("split", split);
            record.put("gold", item.gold());
            return record;
        }).toList());
    }

    private static Map<String, Object> sftRecord(TaskItem item, String id, String split) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", id);
        record.put("family", item.family().wireName());
        record.put("split", split);
        record.put("gold", item.gold());
        List<Map<String, String>> messages = new ArrayList<>();
        for (ChatTurn turn : item.dialogue()) {
            Map<String, String> message = new LinkedHashMap<>();
            message.put("role", turn.role());
            message.put("content", turn.content());
            messages.add(message);
        }
        record.put("messages", messages);
        return record;
    }

    private static byte[] clozeFile(Random random, Map<String, Integer> counts) {
        List<String> heldOut = EmbeddedTaskWorld.records("pretrain.test.jsonl.gz").stream().map(r -> r.get("text").asText()).toList();
        List<ClozeProbes.Probe> probes = ClozeProbes.generate(heldOut, counts, CLOZE_PROBES, random);
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < probes.size(); i++) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("id", String.format(Locale.ROOT, "cloze-%05d", i + 1));
            record.put("context", probes.get(i).context());
            record.put("candidates", probes.get(i).candidates());
            record.put("answer", probes.get(i).answer());
            records.add(record);
        }
        return gzipLines(records);
    }

    /** Lower-cased word counts of the pretraining texts. */
    static Map<String, Integer> wordCounts(List<JsonNode> pretrainRecords) {
        Map<String, Integer> counts = new HashMap<>();
        for (JsonNode record : pretrainRecords) {
            for (String token : Words.tokens(record.get("text").asText())) {
                counts.merge(token, 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * The most frequent corpus words that VADER's raters scored strongly (mean at least 2 in the wanted direction)
     * and that WordNet knows as adjectives but not as verbs, so they fit "X is ___" and "makes me feel ___"; participles
     * and superlatives (-ed, -ing, -est) are left out.
     */
    static List<String> sentimentWords(VaderLexicon lexicon, Dictionary wordnet, Map<String, Integer> counts, boolean positive)
            throws JWNLException {
        List<String> candidates = new ArrayList<>();
        for (Map.Entry<String, Double> entry : lexicon.ratings().entrySet()) {
            String word = entry.getKey();
            double rating = positive ? entry.getValue() : -entry.getValue();
            if (rating >= SentimentJudge.FULL_POLARITY_RATING && word.matches("[a-z]{3,10}") && counts.getOrDefault(word, 0) >= 5
                    && !word.matches(".*(ed|ing|est)") && !NOT_FEELINGS.contains(word)
                    && wordnet.getIndexWord(POS.ADJECTIVE, word) != null && wordnet.getIndexWord(POS.VERB, word) == null) {
                candidates.add(word);
            }
        }
        candidates.sort(Comparator.comparing((String w) -> -counts.get(w)).thenComparing(Comparator.naturalOrder()));
        return List.copyOf(candidates.subList(0, Math.min(SENTIMENT_WORDS, candidates.size())));
    }

    /** JSON Lines in gzip with a fixed header (no time stamp), so equal input gives equal bytes. */
    static byte[] gzipLines(List<?> records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            for (Object record : records) {
                gzip.write(JSON.writeValueAsString(record).getBytes(StandardCharsets.UTF_8));
                gzip.write('\n');
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
