package org.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * K sampled responses to one prompt, ready to rank (the input of the labelling page and of the simulated annotators):
 * {@code {"id": "def-00012", "prompt": "...", "responses": ["a", "b", "c"], "eos": [true, true, false],
 * "sources": [{"checkpoint": "runs/sft/best", "temperature": 1.0, "seed": 7}, ...]}}.
 *
 * @param id        identifies the prompt; unique within its file, and carried into the ranking made from it
 *                  (a labelling session resumes by it); never blank
 * @param prompt    the prompt the responses answer; never blank
 * @param family    the task family; null when not given (the simulated annotators need it)
 * @param split     train, validation or test; null when not given
 * @param gold      free-form reference data (a JSON object) for the family's judge; null when not given
 * @param responses the K responses, 2 <= K <= 9, none blank, no two identical
 * @param eos       for each response, whether it ended with end-of-sequence; null when not given
 * @param sources   for each response, the checkpoint, temperature and seed that sampled it; null when not given
 */
public record Candidates(
        String id,
        String prompt,
        String family,
        Split split,
        JsonNode gold,
        List<String> responses,
        List<Boolean> eos,
        List<ResponseSource> sources) {

    public Candidates {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(responses, "responses");
        responses = List.copyOf(responses);
        eos = eos == null ? null : List.copyOf(eos);
        sources = sources == null ? null : List.copyOf(sources);
        FieldChecks.throwIfAny("candidates", problems(id, prompt, family, gold, responses,
                eos == null ? null : eos.size(), sources == null ? null : sources.size()));
        gold = gold == null ? null : gold.deepCopy();
    }

    /**
     * What is wrong with these field values; null fields are skipped (the caller reports missing ones).
     *
     * @param eosCount     number of "eos" entries, or null when absent
     * @param sourcesCount number of "sources" entries, or null when absent
     */
    public static List<String> problems(String id, String prompt, String family, JsonNode gold, List<String> responses,
                                        Integer eosCount, Integer sourcesCount) {
        List<String> p = new ArrayList<>();
        FieldChecks.required(p, "id", id);
        FieldChecks.required(p, "prompt", prompt);
        FieldChecks.optional(p, "family", family);
        FieldChecks.gold(p, gold);
        if (responses != null) {
            int k = FieldChecks.responses(p, responses);
            FieldChecks.perResponse(p, "eos", eosCount, k);
            FieldChecks.perResponse(p, "sources", sourcesCount, k);
        }
        return p;
    }

    /** K, the number of responses. */
    public int k() {
        return responses.size();
    }

    /** The prompt as a prompt record (id, prompt, family, split, gold), e.g. for the gold judge. */
    public PromptRecord promptRecord() {
        return new PromptRecord(id, prompt, family, split, gold);
    }

    /**
     * The ranking a labeller made of these responses: every field carried over, plus the order and who made it.
     *
     * @param ranking   response indices, best first (a permutation of 0..K-1)
     * @param annotator who ranked
     * @param flags     per response, the labeller's flags; null when none were collected
     * @throws IllegalArgumentException when the ranking or flags do not fit (see {@link Ranking#problems})
     */
    public Ranking toRanking(List<Integer> ranking, String annotator, List<Set<Flag>> flags) {
        return toRanking(ranking, annotator, flags, null);
    }

    /**
     * As {@link #toRanking(List, String, List)}, with the order the responses were shown in (top first; null when not
     * recorded).
     */
    public Ranking toRanking(List<Integer> ranking, String annotator, List<Set<Flag>> flags, List<Integer> shown) {
        return new Ranking(id, prompt, responses, ranking, annotator, family, split, gold, sources, flags, eos, shown);
    }

    /** A copy of the gold object; null when absent. */
    @Override
    public JsonNode gold() {
        return gold == null ? null : gold.deepCopy();
    }
}
