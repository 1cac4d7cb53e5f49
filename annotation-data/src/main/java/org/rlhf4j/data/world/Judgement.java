package org.rlhf4j.data.world;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A gold judge's verdict on one response: the overall score in [0,1], the score of each criterion in [0,1]
 * (in the order they were assessed), and a one-line explanation a person can check.
 */
public record Judgement(double score, Map<String, Double> criteria, String explanation) {

    public Judgement {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must lie in [0,1]: " + score);
        }
        criteria = Collections.unmodifiableMap(new LinkedHashMap<>(criteria));
    }

    /**
     * The weighted mean of the criteria; every criterion must have a weight and the weights must sum to 1.
     * An empty response scores 0 whatever its criteria say.
     */
    static Judgement weighted(Map<String, Double> criteria, Map<String, Double> weights, boolean empty, String explanation) {
        if (!criteria.keySet().equals(weights.keySet())) {
            throw new IllegalArgumentException("criteria " + criteria.keySet() + " and weights " + weights.keySet() + " differ");
        }
        double sum = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        if (Math.abs(sum - 1) > 1e-9) {
            throw new IllegalArgumentException("weights must sum to 1, not " + sum);
        }
        double score = 0;
        for (Map.Entry<String, Double> criterion : criteria.entrySet()) {
            score += weights.get(criterion.getKey()) * criterion.getValue();
        }
        if (empty) {
            return new Judgement(0, criteria, "empty response; " + explanation);
        }
        return new Judgement(Math.min(1, Math.max(0, score)), criteria, explanation);
    }
}
