package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * A pool of simulated annotators sharing one gold judge. Each ranking or comparison is done by one annotator drawn
 * uniformly from the pool with the caller's seeded {@link Random}, which makes every label reproducible.
 */
public final class AnnotatorPool {

    /**
     * The noise scale shared by the default annotators (each multiplies it by its own factor). Tuned so that two
     * different annotators agree on 72.6 % of response pairs, InstructGPT's figure for its labellers, on the response
     * pool of {@link AnnotatorAgreement#measureDefault(long)}; see the module README for the measurement.
     */
    public static final double DEFAULT_NOISE = 0.163;

    private final List<Annotator> annotators;
    private final GoldJudge judge;

    public AnnotatorPool(List<Annotator> annotators, GoldJudge judge) {
        if (annotators.size() < 2) {
            throw new IllegalArgumentException("a pool needs at least two annotators, got " + annotators.size());
        }
        this.annotators = List.copyOf(annotators);
        this.judge = Objects.requireNonNull(judge);
    }

    /** Six annotators with distinct tastes (see {@link #defaultAnnotators(double)}) and the shipped gold judge. */
    public static AnnotatorPool defaultPool() {
        return new AnnotatorPool(defaultAnnotators(DEFAULT_NOISE), GoldJudge.load());
    }

    /** The default annotators with the given base noise scale. */
    public static List<Annotator> defaultAnnotators(double noise) {
        return List.of(
                new Annotator("strict", 0.8 * noise, 0, 0, 0, 0),
                new Annotator("terse", noise, -0.06, 0, 0, 0),
                new Annotator("verbose", noise, 0.06, 0, 0, 0),
                new Annotator("enthusiast", 1.1 * noise, 0, 0.06, 0, 0),
                new Annotator("eos-lenient", 1.2 * noise, 0, 0, 1.0, 0),
                new Annotator("cautious", noise, 0, 0, 0, 0.05));
    }

    public List<Annotator> annotators() {
        return annotators;
    }

    public GoldJudge judge() {
        return judge;
    }

    /**
     * Ranks K responses to a prompt, Plackett–Luce style, by an annotator drawn from the pool.
     *
     * @param eos whether each response ended with EOS (same length as {@code responses})
     * @return the permutation of response indices, best first, and who ranked
     */
    public RankResult rank(PromptInfo prompt, List<String> responses, List<Boolean> eos, Random rng) {
        Annotator annotator = annotators.get(rng.nextInt(annotators.size()));
        return new RankResult(rankBy(annotator, prompt, responses, eos, rng), annotator.id());
    }

    /** Asks an annotator drawn from the pool which of two responses is better (for win rates). */
    public Preference compare(PromptInfo prompt, String first, boolean firstEos, String second, boolean secondEos, Random rng) {
        Annotator annotator = annotators.get(rng.nextInt(annotators.size()));
        return new Preference(prefersFirst(annotator, prompt, first, firstEos, second, secondEos, rng), annotator.id());
    }

    List<Integer> rankBy(Annotator annotator, PromptInfo prompt, List<String> responses, List<Boolean> eos, Random rng) {
        if (responses.size() != eos.size() || responses.isEmpty()) {
            throw new IllegalArgumentException("need one EOS flag per response and at least one response: "
                    + responses.size() + " responses, " + eos.size() + " flags");
        }
        double[] perceived = new double[responses.size()];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < responses.size(); i++) {
            double gold = judge.score(prompt, responses.get(i), eos.get(i)).score();
            perceived[i] = annotator.perceived(annotator.utility(gold, responses.get(i), eos.get(i)), rng);
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -perceived[i]).thenComparing(i -> i));
        return order;
    }

    boolean prefersFirst(Annotator annotator, PromptInfo prompt, String first, boolean firstEos, String second,
                         boolean secondEos, Random rng) {
        return rankBy(annotator, prompt, List.of(first, second), List.of(firstEos, secondEos), rng).get(0) == 0;
    }
}
