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
}
