package org.rlhf4j.data.world;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges "Write a cheerful/gloomy sentence about X." with the VADER lexicon's human ratings. {@code polarity} is
 * the mean rating of the rated words other than the topic word (negated ones flipped and damped), signed towards the target and divided by 2,
 * clipped to [0,1] (no rated word: 0); {@code topic} is 1 if the response names the topic's head word.
 * Weights: polarity 0.45, topic 0.20, eos 0.15, concise 0.10, no_repetition 0.10.
 */
final class SentimentJudge implements FamilyJudge {

    static final Map<String, Double> WEIGHTS = weights();
    /** A mean rating of this size in the target's direction earns full polarity. */
    static final double FULL_POLARITY_RATING = 2.0;

    private final VaderLexicon lexicon;

    SentimentJudge(VaderLexicon lexicon) {
        this.lexicon = lexicon;
    }

    private static Map<String, Double> weights() {
        Map<String, Double> w = new LinkedHashMap<>();
        w.put("polarity", 0.45);
        w.put("topic", 0.20);
        w.put("eos", 0.15);
        w.put("concise", 0.10);
        w.put("no_repetition", 0.10);
        return w;
    }

    @Override
    public Judgement score(PromptInfo prompt, String response, boolean endedWithEos) {
        String target = prompt.goldText("target");
        double sign = switch (target) {
            case "positive" -> 1;
            case "negative" -> -1;
            default -> throw new IllegalArgumentException("prompt " + prompt.id() + ": target must be positive or negative, not " + target);
        };
        String topicWord = headWord(prompt.goldText("topic"));
        // the topic word is asked for, so its own rating ("war", "peace") does not count towards the sentiment
        List<VaderLexicon.Hit> hits = lexicon.hits(response).stream()
                .filter(hit -> !Words.stem(hit.token()).equals(Words.stem(topicWord))).toList();
        double mean = hits.stream().mapToDouble(VaderLexicon.Hit::rating).average().orElse(0);
        double polarity = Math.max(0, Math.min(1, sign * mean / FULL_POLARITY_RATING));
        boolean onTopic = Words.tokens(response).stream().anyMatch(t -> Words.stem(t).equals(Words.stem(topicWord)));
        StyleCriteria style = StyleCriteria.of(response, endedWithEos);
        Map<String, Double> criteria = new LinkedHashMap<>();
        criteria.put("polarity", polarity);
        criteria.put("topic", onTopic ? 1.0 : 0.0);
        criteria.put("eos", style.eos());
        criteria.put("concise", style.concise());
        criteria.put("no_repetition", style.noRepetition());
        String explanation = String.format("%s about '%s': mean VADER rating %+.2f over %s; topic word '%s' %s; %s",
                target, prompt.goldText("topic"), mean, hits.stream().map(h -> h.token() + String.format("%+.1f", h.rating())).toList(),
                topicWord, onTopic ? "named" : "missing", style.describe());
        return Judgement.weighted(criteria, WEIGHTS, response.isBlank(), explanation);
    }

    /** The last content word of a topic phrase: "the old house" -> "house". */
    static String headWord(String topic) {
        List<String> tokens = Words.tokens(topic);
        for (int i = tokens.size() - 1; i >= 0; i--) {
            if (!Words.STOPWORDS.contains(tokens.get(i))) {
                return tokens.get(i);
            }
        }
        throw new IllegalArgumentException("topic without a content word: " + topic);
    }
}
