package org.rlhf4j.ppo;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.train.OptimConfig;

/** Tiny models, prompts and configs for tests: seconds on 2 cores. */
final class TinyPpo {
    private TinyPpo() {}

    /** A byte-level GPT: context 64, width 32, 2 layers, 2 heads. */
    static Policy policy(long seed, DataType dt) {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 64, 32, 2, 2);
        return new Policy(c, new ByteTokenizer(), GptWeights.init(c, seed, dt));
    }

    static List<PromptRecord> prompts(int n) {
        List<PromptRecord> p = new ArrayList<>();
        String[] words = {"hi", "say", "go", "yes", "ok", "tell", "now", "why"};
        for (int i = 0; i < n; i++) p.add(new PromptRecord("p" + i, words[i % words.length] + " " + i));
        return p;
    }

    /** A complete config with small sizes; callers change what they test with the with* methods below. */
    static PpoConfig config(int iterations, int batch, int maxNew, double lr) {
        return new PpoConfig("sft", "rm", "prompts", 7, iterations, batch, PpoConfig.ValueHeadInit.RANDOM,
                new PpoConfig.Rollout(1.0, maxNew, 32),
                new PpoConfig.Reward(null, 0.0, false),
                new PpoConfig.Kl(PpoConfig.KlMode.FIXED, 0.05, 6.0, 10000),
                new PpoConfig.Gae(1.0, 0.95),
                new PpoConfig.Learn(2, batch / 2, batch / 2, 0.2, 0.2, 0.1, 0.0, 0.0, true),
                0.0, new PpoConfig.Ptx("", 2, 16),
                new OptimConfig(lr, lr, 0, 0.0, 0.9, 0.95, 1e-8, 1.0),
                1000,
                new PpoConfig.Eval("", 0, new SampleConfig(1.0, 1.0, 8, false), "", 0));
    }

    static PpoConfig withPtx(PpoConfig c, double coef) {
        return new PpoConfig(c.sft(), c.rewardModel(), c.prompts(), c.seed(), c.iterations(), c.batchSize(), c.valueHeadInit(), c.rollout(),
                c.reward(), c.kl(), c.gae(), c.ppo(), coef, new PpoConfig.Ptx("docs", c.ptx().batchSize(), c.ptx().seqLen()), c.optim(),
                c.checkpointEvery(), c.eval(), c.algorithm(), c.samplesPerPrompt(), c.klPenalty(), c.snapshotEvery());
    }

    static PpoConfig withCheckpointEvery(PpoConfig c, int every) {
        return new PpoConfig(c.sft(), c.rewardModel(), c.prompts(), c.seed(), c.iterations(), c.batchSize(), c.valueHeadInit(), c.rollout(),
                c.reward(), c.kl(), c.gae(), c.ppo(), c.ptxCoef(), c.ptx(), c.optim(), every, c.eval(), c.algorithm(), c.samplesPerPrompt(), c.klPenalty(), c.snapshotEvery());
    }

    static PpoConfig withSnapshotEvery(PpoConfig c, Integer every) {
        return new PpoConfig(c.sft(), c.rewardModel(), c.prompts(), c.seed(), c.iterations(), c.batchSize(), c.valueHeadInit(), c.rollout(),
                c.reward(), c.kl(), c.gae(), c.ppo(), c.ptxCoef(), c.ptx(), c.optim(), c.checkpointEvery(), c.eval(), c.algorithm(), c.samplesPerPrompt(), c.klPenalty(), every);
    }

    static PpoConfig withIterations(PpoConfig c, int iterations) {
        return new PpoConfig(c.sft(), c.rewardModel(), c.prompts(), c.seed(), iterations, c.batchSize(), c.valueHeadInit(), c.rollout(),
                c.reward(), c.kl(), c.gae(), c.ppo(), c.ptxCoef(), c.ptx(), c.optim(), c.checkpointEvery(), c.eval(), c.algorithm(), c.samplesPerPrompt(), c.klPenalty(), c.snapshotEvery());
    }

    static PpoConfig withKl(PpoConfig c, PpoConfig.Kl kl) {
        return new PpoConfig(c.sft(), c.rewardModel(), c.prompts(), c.seed(), c.iterations(), c.batchSize(), c.valueHeadInit(), c.rollout(),
                c.reward(), kl, c.gae(), c.ppo(), c.ptxCoef(), c.ptx(), c.optim(), c.checkpointEvery(), c.eval(), c.algorithm(), c.samplesPerPrompt(), c.klPenalty(), c.snapshotEvery());
    }

    static PpoConfig withLearn(PpoConfig c, PpoConfig.Learn learn) {
        return new PpoConfig(c.sft(), c.rewardModel(), c.prompts(), c.seed(), c.iterations(), c.batchSize(), c.valueHeadInit(), c.rollout(),
                c.reward(), c.kl(), c.gae(), learn, c.ptxCoef(), c.ptx(), c.optim(), c.checkpointEvery(), c.eval(), c.algorithm(), c.samplesPerPrompt(), c.klPenalty(), c.snapshotEvery());
    }

    /** The same config with the algorithm keys set (null leaves a key absent, i.e. at its default). */
    static PpoConfig withAlgorithm(PpoConfig c, PpoConfig.Algorithm algorithm, Integer samplesPerPrompt, PpoConfig.KlPenalty klPenalty) {
        return new PpoConfig(c.sft(), c.rewardModel(), c.prompts(), c.seed(), c.iterations(), c.batchSize(), c.valueHeadInit(), c.rollout(),
                c.reward(), c.kl(), c.gae(), c.ppo(), c.ptxCoef(), c.ptx(), c.optim(), c.checkpointEvery(), c.eval(), algorithm, samplesPerPrompt, klPenalty, c.snapshotEvery());
    }

    /** The hand-written reward of the end-to-end test: how many letters 'a' the response holds. */
    static RewardFn countA() {
        return responses -> {
            double[] s = new double[responses.size()];
            for (int i = 0; i < s.length; i++) s[i] = responses.get(i).text().chars().filter(ch -> ch == 'a').count();
            return s;
        };
    }
}
