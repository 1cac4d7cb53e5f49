package org.rlhf4j.data.world;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Judges "Define the word 'X'." against WordNet's human-written gloss. The task criterion {@code gloss_f1} is the
 * F1 of the stemmed content words of the response against those of the gloss (the defined word itself and framing
 * words such as "means" do not count). Weights: gloss_f1 0.60, eos 0.15, concise 0.15, no_repetition 0.10.
 */
final class DefinitionJudge implements FamilyJudge {

    static final Map<String, Double> WEIGHTS = weights();

    private static Map<String, Double> weights() {
        Map<String, Double> w = new LinkedHashMap<>();
        w.put("gloss_f1", 0.60);
        w.put("eos", 0.15);
        w.put("concise", 0.15);
        w.put("no_repetition", 0.10);
        return w;
    }

    @Override
    public Judgement score(PromptInfo prompt, String response, boolean endedWithEos) {
        String word = prompt.goldText("word");
        Set<String> excluded = Set.of(Words.stem(word));
        Set<String> gloss = Words.contentStems(prompt.goldText("gloss"), excluded);
        Set<String> answer = Words.contentStems(response, excluded);
        Set<String> shared = new LinkedHashSet<>(answer);
        shared.retainAll(gloss);
        double precision = answer.isEmpty() ? 0 : shared.size() / (double) answer.size();
        double recall = gloss.isEmpty() ? 0 : shared.size() / (double) gloss.size();
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        StyleCriteria style = StyleCriteria.of(response, endedWithEos);
        Map<String, Double> criteria = new LinkedHashMap<>();
        criteria.put("gloss_f1", f1);
        criteria.put("eos", style.eos());
        criteria.put("concise", style.concise());
        criteria.put("no_repetition", style.noRepetition());
        Set<String> missing = new LinkedHashSet<>(gloss);
        missing.removeAll(shared);
        String explanation = String.format("definition of '%s': content-word F1 %.2f (P %.2f, R %.2f; shared %s; missing %s); %s",
                word, f1, precision, recall, shared, missing, style.describe());
        return Judgement.weighted(criteria, WEIGHTS, response.isBlank(), explanation);
    }
}
