package org.rlhf4j.data.annotate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.rlhf4j.data.format.Ranking;

/**
 * How often the people who ranked the same items agree, measured as InstructGPT measures its labellers' agreement (and
 * as {@link org.rlhf4j.data.world.AnnotatorAgreement} measures the simulated ones): for every item ranked by two or more
 * different annotators, every pair of those annotators and every pair of the item's responses, do the two rankings put
 * the two responses in the same order?
 *
 * <p>An item is a ranking's id, prompt and responses together, so rankings of the same candidates record (what the
 * overlap of {@code annotate serve} produces) fall together. A person's second ranking of the same item is ignored.
 *
 * @param annotators    the people who share at least one item with someone else, in name order
 * @param agreeing      [a][b]: response pairs on which a and b agree (symmetric)
 * @param compared      [a][b]: response pairs both a and b ranked (symmetric; 0 when they share no item)
 * @param items         items ranked by two or more people
 * @param responsePairs response pairs compared, over all pairs of people
 */
public record RankingsAgreement(List<String> annotators, long[][] agreeing, long[][] compared, int items, long responsePairs) {

    private record Item(String id, String prompt, List<String> responses) {}

    /** The agreement between the annotators of {@code rankings}. */
    public static RankingsAgreement of(List<Ranking> rankings) {
        Map<Item, Map<String, Ranking>> byItem = new LinkedHashMap<>();
        for (Ranking r : rankings)
            byItem.computeIfAbsent(new Item(r.id(), r.prompt(), r.responses()), i -> new LinkedHashMap<>()).putIfAbsent(r.annotator(), r);
        List<List<Ranking>> shared = byItem.values().stream().filter(m -> m.size() >= 2).map(m -> List.copyOf(m.values())).toList();
        TreeSet<String> names = new TreeSet<>();
        shared.forEach(list -> list.forEach(r -> names.add(r.annotator())));
        List<String> annotators = List.copyOf(names);
        int n = annotators.size();
        long[][] agreeing = new long[n][n], compared = new long[n][n];
        long responsePairs = 0;
        for (List<Ranking> list : shared) {
            for (int i = 0; i < list.size(); i++) {
                for (int j = i + 1; j < list.size(); j++) {
                    Ranking x = list.get(i), y = list.get(j);
                    int a = annotators.indexOf(x.annotator()), b = annotators.indexOf(y.annotator());
                    long same = sameOrder(x, y), all = (long) x.k() * (x.k() - 1) / 2;
                    agreeing[a][b] += same;
                    agreeing[b][a] += same;
                    compared[a][b] += all;
                    compared[b][a] += all;
                    responsePairs += all;
                }
            }
        }
        return new RankingsAgreement(annotators, agreeing, compared, shared.size(), responsePairs);
    }

    /** Response pairs that two rankings of the same responses put in the same order. */
    static long sameOrder(Ranking x, Ranking y) {
        long same = 0;
        for (int p = 0; p < x.k(); p++)
            for (int q = p + 1; q < x.k(); q++)
                if ((x.rankOf(p) < x.rankOf(q)) == (y.rankOf(p) < y.rankOf(q))) same++;
        return same;
    }

    /** a and b's agreement on the items they share; NaN when they share none. */
    public double agreement(String a, String b) {
        int i = annotators.indexOf(a), j = annotators.indexOf(b);
        if (i < 0 || j < 0 || compared[i][j] == 0) return Double.NaN;
        return agreeing[i][j] / (double) compared[i][j];
    }

    /** All agreeing response pairs over all compared ones (every pair of people weighted by what they share); NaN when none. */
    public double overall() {
        long agree = 0;
        for (int i = 0; i < annotators.size(); i++)
            for (int j = i + 1; j < annotators.size(); j++) agree += agreeing[i][j];
        return responsePairs == 0 ? Double.NaN : agree / (double) responsePairs;
    }

    /** The agreement matrix (each cell: agreement and the response pairs it rests on) and the overall agreement. */
    public String table() {
        int width = Math.max(14, annotators.stream().mapToInt(String::length).max().orElse(0));
        String cell = "%" + (width + 1) + "s";
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", ""));
        for (String a : annotators) out.append(String.format(Locale.ROOT, cell, a));
        out.append('\n');
        List<String> rows = new ArrayList<>();
        for (String a : annotators) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", a));
            for (String b : annotators) {
                double ag = agreement(a, b);
                String text = a.equals(b) ? "-" : Double.isNaN(ag) ? "n/a"
                        : String.format(Locale.ROOT, "%.1f%% (%d)", 100 * ag, compared[annotators.indexOf(a)][annotators.indexOf(b)]);
                row.append(String.format(Locale.ROOT, cell, text));
            }
            rows.add(row.toString());
        }
        rows.forEach(r -> out.append(r).append('\n'));
        out.append(String.format(Locale.ROOT, "agreement between different annotators: %.1f %% over %d response pairs from %d items"
                + " ranked by two or more people (in brackets: the response pairs each figure rests on;"
                + " InstructGPT labellers: 72.6 ± 1.5 %%)%n", 100 * overall(), responsePairs, items));
        return out.toString();
    }
}
