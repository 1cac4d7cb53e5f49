package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Measures how often different simulated annotators agree, the way InstructGPT reports labeller agreement: each
 * annotator labels every response pair once, independently, and for each pair of annotators we count the share of
 * response pairs they label the same way. The response pairs are all pairs from {@link ResponseVariants} of each
 * held-out demonstration.
 */
public final class AnnotatorAgreement {

    private AnnotatorAgreement() {
    }

    /** Prints the agreement table of the default pool; the optional argument is the seed (default 1). */
    public static void main(String[] args) {
        System.out.print(measureDefault(args.length > 0 ? Long.parseLong(args[0]) : 1).table());
    }

    /** The default pool on the shipped validation demonstrations: the entry point of {@code rlhf4j annotate agreement}. */
    public static AgreementReport measureDefault(long seed) {
        return measure(AnnotatorPool.defaultPool(), EmbeddedTaskWorld.demonstrations("validation"), seed);
    }

    /** Agreement of the pool's annotators on response pools built from the given demonstrations. */
    public static AgreementReport measure(AnnotatorPool pool, List<EmbeddedTaskWorld.Demonstration> demonstrations, long seed) {
        Random random = new Random(seed);
        Map<String, List<String>> answersByFamily = new HashMap<>();
        for (EmbeddedTaskWorld.Demonstration d : demonstrations) {
            answersByFamily.computeIfAbsent(d.prompt().family(), k -> new ArrayList<>()).add(d.firstResponse());
        }
        List<Annotator> annotators = pool.annotators();
        int n = annotators.size();
        long[][] agreeing = new long[n][n];
        int pairs = 0;
        for (EmbeddedTaskWorld.Demonstration d : demonstrations) {
            PromptInfo prompt = d.prompt();
            List<ResponseVariants.Candidate> candidates = ResponseVariants.of(prompt, d.firstResponse(),
                    answersByFamily.get(prompt.family()), random);
            double[][] utility = new double[n][candidates.size()];
            for (int c = 0; c < candidates.size(); c++) {
                ResponseVariants.Candidate candidate = candidates.get(c);
                double gold = pool.judge().score(prompt, candidate.text(), candidate.eos()).score();
                for (int a = 0; a < n; a++) {
                    utility[a][c] = annotators.get(a).utility(gold, candidate.text(), candidate.eos());
                }
            }
            for (int x = 0; x < candidates.size(); x++) {
                for (int y = x + 1; y < candidates.size(); y++) {
                    boolean[] prefersX = new boolean[n];
                    for (int a = 0; a < n; a++) {
                        Annotator annotator = annotators.get(a);
                        prefersX[a] = annotator.perceived(utility[a][x], random) > annotator.perceived(utility[a][y], random);
                    }
                    for (int a = 0; a < n; a++) {
                        for (int b = a + 1; b < n; b++) {
                            if (prefersX[a] == prefersX[b]) {
                                agreeing[a][b]++;
                            }
                        }
                    }
                    pairs++;
                }
            }
        }
        double[][] agreement = new double[n][n];
        double sum = 0;
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                agreement[a][b] = agreement[b][a] = agreeing[a][b] / (double) pairs;
                sum += agreement[a][b];
            }
        }
        List<String> ids = annotators.stream().map(Annotator::id).toList();
        return new AgreementReport(ids, agreement, demonstrations.size(), pairs, sum / (n * (n - 1) / 2.0));
    }

    /**
     * Mutual agreement of the pool's annotators on the responses of existing rankings: every pair of distinct
     * annotators ranks every record (each with its own seeded stream), and the result is the fraction of response
     * pairs on which the two orderings agree. This is the ceiling InstructGPT compares its reward model's held-out
     * accuracy with (72.4 % against 72.6 %): it is measured on the same responses the reward model is tested on.
     */
    public static double onRankings(AnnotatorPool pool, List<org.rlhf4j.data.format.Ranking> rankings, long seed) {
        List<Annotator> anns = pool.annotators();
        long agree = 0, total = 0;
        for (int i = 0; i < anns.size(); i++) {
            for (int j = i + 1; j < anns.size(); j++) {
                java.util.Random ri = new java.util.Random(seed * 1_000_003L + 31L * i + j), rj = new java.util.Random(seed * 1_000_033L + 37L * j + i);
                for (org.rlhf4j.data.format.Ranking r : rankings) {
                    java.util.Map<String, Object> gold = r.gold() == null ? java.util.Map.of()
                            : new com.fasterxml.jackson.databind.ObjectMapper().convertValue(r.gold(), java.util.LinkedHashMap.class);
                    PromptInfo info = new PromptInfo(r.id() == null ? "" : r.id(), r.family(), r.prompt(), gold);
                    List<Boolean> eos = r.eos() == null ? java.util.Collections.nCopies(r.k(), true) : r.eos();
                    List<Integer> a = pool.rankBy(anns.get(i), info, r.responses(), eos, ri), b = pool.rankBy(anns.get(j), info, r.responses(), eos, rj);
                    int[] pa = new int[r.k()], pb = new int[r.k()];
                    for (int k = 0; k < r.k(); k++) {
                        pa[a.get(k)] = k;
                        pb[b.get(k)] = k;
                    }
                    for (int x = 0; x < r.k(); x++)
                        for (int y = x + 1; y < r.k(); y++) {
                            total++;
                            if ((pa[x] < pa[y]) == (pb[x] < pb[y])) agree++;
                        }
                }
            }
        }
        return total == 0 ? Double.NaN : (double) agree / total;
    }
}
