package org.rlhf4j.reward;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptWeights.Head;

/**
 * Reward-model inference: the reward head at the last token of each sequence, one forward pass per chunk of rows and
 * no LM logits (the same numbers as {@code Policy.score(seqs, 1, false, true).lastReward()}, a test holds them equal).
 * Sequences are scored in order of length so that a chunk carries little padding; results come back in input order.
 */
public final class RewardScorer {
    private RewardScorer() {}

    /** Rows per forward pass. */
    public static final int DEFAULT_ROWS = 16;

    /** The token sequence the reward model reads for one exchange: prompt, response, EOS. */
    public static int[] render(Policy policy, String prompt, String response) {
        return policy.chat().renderExchange(prompt, response).ids();
    }

    public static double score(Policy policy, String prompt, String response) {
        return scores(policy, List.of(render(policy, prompt, response)), 1)[0];
    }

    public static double[] scores(Policy policy, List<int[]> seqs) {
        return scores(policy, seqs, DEFAULT_ROWS);
    }

    public static double[] scores(Policy policy, List<int[]> seqs, int rowsPerPass) {
        if (!policy.weights().hasHead(Head.REWARD)) throw new IllegalStateException("this policy has no reward head");
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i++) {
            if (seqs.get(i).length < 1 || seqs.get(i).length > policy.config().contextLength())
                throw new IllegalArgumentException("sequence " + i + " has " + seqs.get(i).length + " tokens; expected 1.." + policy.config().contextLength());
            order.add(i);
        }
        order.sort(Comparator.comparingInt(i -> seqs.get(i).length));
        List<int[]> sorted = new ArrayList<>();
        for (int i : order) sorted.add(seqs.get(i));
        double[] r = policy.rewards(sorted, rowsPerPass);
        double[] out = new double[seqs.size()];
        for (int k = 0; k < r.length; k++) out[order.get(k)] = r[k];
        return out;
    }
}
