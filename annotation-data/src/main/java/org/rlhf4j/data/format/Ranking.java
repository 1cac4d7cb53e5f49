package org.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A labeller's ranking of K responses to one prompt, best first (InstructGPT's comparison data):
 * {@code {"prompt": "...", "responses": ["a", "b", "c"], "ranking": [2, 0, 1], "annotator": "ann-3", ...}} means
 * response 2 is best and response 1 worst.
 *
 * @param id        an identifier; null when not given
 * @param prompt    the prompt the responses answer; never blank
 * @param responses the K responses, 2 <= K <= 9, none blank, no two identical
 * @param ranking   a permutation of 0..K-1: response indices from best to worst
 * @param annotator who ranked them ("imported" for converted pairwise data); never blank
 * @param family    the task family; null when not given
 * @param split     train, validation or test; null when not given
 * @param gold      free-form reference data (a JSON object); null when not given
 * @param sources   for each response, the checkpoint and settings that sampled it; null when not given
 * @param flags     for each response, the labeller's flags; null when not given
 * @param eos       for each response, whether it ended with end-of-sequence (false: cut off at the length limit);
 *                  null when not given
 * @param shown     the order the labelling page showed the responses in, top first (response indices, a permutation
 *                  of 0..K-1), so that a position bias can be measured; null when not given
 */
public record Ranking(
        String id,
        String prompt,
        List<String> responses,
        List<Integer> ranking,
        String annotator,
        String family,
        Split split,
        JsonNode gold,
        List<ResponseSource> sources,
        List<Set<Flag>> flags,
        List<Boolean> eos,
        List<Integer> shown) {

    /** Fewest responses a ranking may hold. */
    public static final int MIN_K = 2;
    /** Most responses a ranking may hold (InstructGPT ranked 4 to 9). */
    public static final int MAX_K = 9;

    public Ranking {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(annotator, "annotator");
        Objects.requireNonNull(responses, "responses");
        Objects.requireNonNull(ranking, "ranking");
        responses = List.copyOf(responses);
        ranking = List.copyOf(ranking);
        sources = sources == null ? null : List.copyOf(sources);
        flags = flags == null ? null : flags.stream().map(Ranking::flagSet).toList();
        eos = eos == null ? null : List.copyOf(eos);
        shown = shown == null ? null : List.copyOf(shown);
        FieldChecks.throwIfAny("ranking", problems(id, prompt, responses, ranking, annotator, family, gold,
                sources == null ? null : sources.size(), flags == null ? null : flags.size(), eos == null ? null : eos.size(), shown));
        gold = gold == null ? null : gold.deepCopy();
    }

    /** A ranking without the order it was shown in (every ranking not made on the labelling page). */
    public Ranking(String id, String prompt, List<String> responses, List<Integer> ranking, String annotator, String family,
                   Split split, JsonNode gold, List<ResponseSource> sources, List<Set<Flag>> flags, List<Boolean> eos) {
        this(id, prompt, responses, ranking, annotator, family, split, gold, sources, flags, eos, null);
    }

    /** A ranking with only the required fields. */
    public Ranking(String prompt, List<String> responses, List<Integer> ranking, String annotator) {
        this(null, prompt, responses, ranking, annotator, null, null, null, null, null, null);
    }

    private static Set<Flag> flagSet(Set<Flag> s) {
        return Collections.unmodifiableSet(s.isEmpty() ? EnumSet.noneOf(Flag.class) : EnumSet.copyOf(s));
    }

    /**
     * What is wrong with these field values. Null fields are skipped (the caller reports them), so a parser can report
     * every problem of a line whose other fields were unreadable.
     *
     * @param sourcesCount number of "sources" entries, or null when absent
     * @param flagsCount   number of "flags" entries, or null when absent
     * @param eosCount     number of "eos" entries, or null when absent
     * @param shown        the "shown" order, or null when absent
     */
    public static List<String> problems(String id, String prompt, List<String> responses, List<Integer> ranking,
            String annotator, String family, JsonNode gold, Integer sourcesCount, Integer flagsCount, Integer eosCount,
            List<Integer> shown) {
        List<String> p = new ArrayList<>();
        FieldChecks.optional(p, "id", id);
        FieldChecks.required(p, "prompt", prompt);
        FieldChecks.required(p, "annotator", annotator);
        FieldChecks.optional(p, "family", family);
        FieldChecks.gold(p, gold);
        Integer k = responses == null ? null : FieldChecks.responses(p, responses);
        if (k != null) {
            permutation(p, "ranking", ranking, k);
            permutation(p, "shown", shown, k);
            FieldChecks.perResponse(p, "sources", sourcesCount, k);
            FieldChecks.perResponse(p, "flags", flagsCount, k);
            FieldChecks.perResponse(p, "eos", eosCount, k);
        }
        return p;
    }

    /** Reports a {@code field} (skipped when null) that is not a permutation of 0..k-1. */
    private static void permutation(List<String> p, String field, List<Integer> order, int k) {
        if (order == null) return;
        String perm = permutationProblem(order, k);
        if (order.size() != k) p.add("\"" + field + "\" has " + FieldChecks.entries(order.size()) + " but there are " + k + " responses");
        else if (perm != null) p.add("\"" + field + "\" is not a permutation of 0.." + (k - 1) + ": " + order + " (" + perm + ")");
    }

    /** Why {@code ranking} is not a permutation of 0..k-1, or null when it is. */
    private static String permutationProblem(List<Integer> ranking, int k) {
        Set<Integer> outOfRange = new TreeSet<>(), repeated = new TreeSet<>(), missing = new TreeSet<>();
        boolean[] seen = new boolean[Math.max(k, 0)];
        for (int r : ranking) {
            if (r < 0 || r >= k) outOfRange.add(r);
            else if (seen[r]) repeated.add(r);
            else seen[r] = true;
        }
        for (int i = 0; i < k; i++) if (!seen[i]) missing.add(i);
        List<String> why = new ArrayList<>();
        if (!outOfRange.isEmpty()) why.add("out of range: " + join(outOfRange));
        if (!repeated.isEmpty()) why.add("repeated: " + join(repeated));
        if (!missing.isEmpty()) why.add("missing: " + join(missing));
        return why.isEmpty() ? null : String.join("; ", why);
    }

    private static String join(Set<Integer> values) {
        return values.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("");
    }

    /** K, the number of ranked responses. */
    public int k() {
        return responses.size();
    }

    /** The response ranked {@code place}-th, 0 being best. */
    public String responseAtRank(int place) {
        return responses.get(ranking.get(place));
    }

    /** The place (0 = best) given to response {@code responseIndex}. */
    public int rankOf(int responseIndex) {
        return ranking.indexOf(responseIndex);
    }

    /**
     * All C(K,2) comparisons the ranking implies, ordered by the winner's place and then the loser's: for ranking
     * [2, 0, 1] that is (2,0,1), (2,1,2), (0,1,1).
     */
    public List<RankedPair> pairs() {
        List<RankedPair> out = new ArrayList<>(k() * (k() - 1) / 2);
        for (int i = 0; i < k(); i++)
            for (int j = i + 1; j < k(); j++) out.add(new RankedPair(ranking.get(i), ranking.get(j), j - i));
        return out;
    }

    /** A copy of the gold object; null when absent. */
    @Override
    public JsonNode gold() {
        return gold == null ? null : gold.deepCopy();
    }
}
