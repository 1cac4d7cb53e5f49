package org.rlhf4j.data.world;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Judges arithmetic word problems. {@code correct} is 1 when the first number the response states (digits, or a
 * word from zero to twenty) equals the answer, {@value #WRONG_NUMBER_CREDIT} when it states another number, 0 when it
 * states none. Weights: correct 0.60, eos 0.20, concise 0.10, no_repetition 0.10.
 */
final class ArithmeticJudge implements FamilyJudge {

    static final double WRONG_NUMBER_CREDIT = 0.25;
    static final Map<String, Double> WEIGHTS = weights();

    private static Map<String, Double> weights() {
        Map<String, Double> w = new LinkedHashMap<>();
        w.put("correct", 0.60);
        w.put("eos", 0.20);
        w.put("concise", 0.10);
        w.put("no_repetition", 0.10);
        return w;
    }

    @Override
    public Judgement score(PromptInfo prompt, String response, boolean endedWithEos) {
        int answer = prompt.goldInt("answer");
        OptionalInt stated = Words.firstNumber(response);
        double correct = stated.isEmpty() ? 0 : stated.getAsInt() == answer ? 1 : WRONG_NUMBER_CREDIT;
        StyleCriteria style = StyleCriteria.of(response, endedWithEos);
        Map<String, Double> criteria = new LinkedHashMap<>();
        criteria.put("correct", correct);
        criteria.put("eos", style.eos());
        criteria.put("concise", style.concise());
        criteria.put("no_repetition", style.noRepetition());
        String explanation = String.format("answer %d, first number stated %s; %s", answer,
                stated.isEmpty() ? "none" : String.valueOf(stated.getAsInt()), style.describe());
        return Judgement.weighted(criteria, WEIGHTS, response.isBlank(), explanation);
    }
}
