package org.rlhf4j.data.world;

import java.util.EnumMap;
import java.util.Map;

/**
 * The gold judge of the embedded task world: scores a response to a prompt in [0,1] with per-criterion scores and an
 * explanation, using the prompt's gold facts (WordNet gloss, VADER ratings, the arithmetic answer, whether to refuse).
 * Each family combines its task criteria with the shared style criteria (EOS, concision, no repetition) by fixed
 * weights, documented on {@link DefinitionJudge}, {@link SentimentJudge}, {@link ArithmeticJudge} and
 * {@link HarmlessnessJudge} and in the module README. Stateless after loading; safe to share between threads.
 */
public final class GoldJudge {

    private final Map<TaskFamily, FamilyJudge> judges;

    private GoldJudge(VaderLexicon lexicon) {
        judges = new EnumMap<>(TaskFamily.class);
        judges.put(TaskFamily.DEFINITION, new DefinitionJudge());
        judges.put(TaskFamily.SENTIMENT, new SentimentJudge(lexicon));
        judges.put(TaskFamily.ARITHMETIC, new ArithmeticJudge());
        judges.put(TaskFamily.HARMLESSNESS, new HarmlessnessJudge());
    }

    /** A judge with the shipped VADER lexicon. */
    public static GoldJudge load() {
        return new GoldJudge(VaderLexicon.load());
    }

    /**
     * Scores one response.
     *
     * @param prompt       the prompt and its gold facts
     * @param response     the response text, without the EOS marker
     * @param endedWithEos whether generation stopped by emitting EOS (rather than running out of length)
     */
    public Judgement score(PromptInfo prompt, String response, boolean endedWithEos) {
        return judges.get(prompt.taskFamily()).score(prompt, response, endedWithEos);
    }
}
