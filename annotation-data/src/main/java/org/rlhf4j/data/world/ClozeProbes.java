package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cloze probes for measuring capability loss: a held-out corpus sentence with one content word blanked as "___",
 * the word and three distractors of about the same length and corpus frequency, and the index of the word.
 */
final class ClozeProbes {

    static final String BLANK = "___";
    static final int MIN_COUNT = 30;
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?][\"')\\]]?)\\s+(?=[\"'(\\[]?[A-Z0-9])");
    private static final Pattern WORD = Pattern.compile("(?<![-\\w'])[a-z]{4,12}(?![-\\w'])");

    /** A probe, before it is given an id. */
    record Probe(String context, List<String> candidates, int answer) {
    }

    private ClozeProbes() {
    }

    /**
     * @param heldOutTexts documents of the held-out pretraining split, one probe at most from each
     * @param counts       word counts of the training split, from which frequent words and distractors come
     */
    static List<Probe> generate(List<String> heldOutTexts, Map<String, Integer> counts, int limit, Random random) {
        List<String> vocabulary = counts.entrySet().stream()
                .filter(e -> e.getValue() >= MIN_COUNT && WORD.matcher(e.getKey()).matches() && !Words.STOPWORDS.contains(e.getKey()))
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).toList();
        Map<String, Integer> rank = new LinkedHashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            rank.put(vocabulary.get(i), i);
        }
        List<Probe> probes = new ArrayList<>();
        for (String text : heldOutTexts) {
            if (probes.size() >= limit) {
                break;
            }
            List<String> sentences = new ArrayList<>(List.of(SENTENCE_END.split(text)));
            sentences.removeIf(s -> s.length() < 40 || s.length() > 160);
            if (sentences.isEmpty()) {
                continue;
            }
            String sentence = sentences.get(random.nextInt(sentences.size()));
            List<String> blankable = new ArrayList<>();
            Matcher m = WORD.matcher(sentence);
            while (m.find()) {
                if (rank.containsKey(m.group())) {
                    blankable.add(m.group());
                }
            }
            if (blankable.isEmpty()) {
                continue;
            }
            String word = blankable.get(random.nextInt(blankable.size()));
            List<String> candidates = new ArrayList<>(distractors(word, vocabulary, rank.get(word), sentence, random));
            if (candidates.size() < 3) {
                continue;
            }
            candidates.add(word);
            Collections.shuffle(candidates, random);
            String context = sentence.replaceFirst("\\b" + word + "\\b", BLANK);
            probes.add(new Probe(context, List.copyOf(candidates), candidates.indexOf(word)));
        }
        return probes;
    }

    /** Three words within 150 frequency ranks of the answer, of length within one of it, not in the sentence. */
    private static List<String> distractors(String word, List<String> vocabulary, int rank, String sentence, Random random) {
        List<String> pool = new ArrayList<>();
        String lowerSentence = sentence.toLowerCase(Locale.ROOT);
        for (int i = Math.max(0, rank - 150); i < Math.min(vocabulary.size(), rank + 150); i++) {
            String other = vocabulary.get(i);
            if (!other.equals(word) && Math.abs(other.length() - word.length()) <= 1 && !lowerSentence.contains(other)
                    && !Words.stem(other).equals(Words.stem(word))) {
                pool.add(other);
            }
        }
        Collections.shuffle(pool, random);
        return pool.subList(0, Math.min(3, pool.size()));
    }
}
