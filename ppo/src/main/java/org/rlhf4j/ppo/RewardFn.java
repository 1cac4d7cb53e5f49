package org.rlhf4j.ppo;

import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.policy.Policy;

/**
 * What scores a finished response: the reward model ({@link #rewardModel}) or any hand-written function (tests use
 * "how many letters 'a'"). The trainer applies the EOS trick, normalisation and clipping afterwards (see {@link Rewards}).
 */
@FunctionalInterface
public interface RewardFn {
    /**
     * One response to score.
     *
     * @param prompt      the prompt record
     * @param promptIds   the rendered prompt ids (chat template, ending with the assistant header)
     * @param responseIds the sampled ids, with the closing EOS when the policy emitted one
     * @param text        the decoded response, special tokens removed
     * @param eos         whether the response ended with EOS
     */
    record Response(PromptRecord prompt, int[] promptIds, int[] responseIds, String text, boolean eos) {}

    /** One score per response, higher is better. */
    double[] score(List<Response> responses);

    /**
     * The reward model's already-normalised score of prompt + response + EOS, read by its reward head at the EOS. A
     * response without EOS is scored with an EOS appended (the trainer's EOS trick may then replace that score).
     */
    static RewardFn rewardModel(Policy rewardModel) {
        int eos = rewardModel.tokenizer().eos();
        return responses -> {
            List<int[]> seqs = new ArrayList<>();
            for (Response r : responses) {
                boolean closed = r.responseIds().length > 0 && r.responseIds()[r.responseIds().length - 1] == eos;
                int[] s = new int[r.promptIds().length + r.responseIds().length + (closed ? 0 : 1)];
                System.arraycopy(r.promptIds(), 0, s, 0, r.promptIds().length);
                System.arraycopy(r.responseIds(), 0, s, r.promptIds().length, r.responseIds().length);
                if (!closed) s[s.length - 1] = eos;
                seqs.add(s);
            }
            float[] rewards = rewardModel.score(seqs, 1.0, false, true).lastReward();
            double[] out = new double[rewards.length];
            for (int i = 0; i < out.length; i++) out[i] = rewards[i];
            return out;
        };
    }

    /** The gold judge's score in [0, 1] (an oracle reward for the embedded task world; see PpoConfig.Reward). */
    static RewardFn goldJudge(org.rlhf4j.data.world.GoldJudge judge) {
        return responses -> {
            double[] out = new double[responses.size()];
            for (int i = 0; i < out.length; i++) {
                Response r = responses.get(i);
                out[i] = judge.score(org.rlhf4j.data.rollout.Rollouts.info(r.prompt()), r.text(), r.eos()).score();
            }
            return out;
        };
    }
}
