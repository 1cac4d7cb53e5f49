package org.rlhf4j.spark;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.train.OptimConfig;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.ppo.PpoTrainer;
import org.rlhf4j.ppo.RewardFn;

/** Tiny models and a PPO run small enough for executors on 2 shared cores. */
final class Tiny {
    private Tiny() {}

    /** A byte-level GPT: context 64, width 32, 2 layers, 2 heads. */
    static Policy policy(long seed) {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 64, 32, 2, 2);
        return new Policy(c, new ByteTokenizer(), GptWeights.init(c, seed, DataType.FLOAT));
    }

    static List<PromptRecord> prompts(int n) {
        List<PromptRecord> p = new ArrayList<>();
        String[] words = {"hi", "say", "go", "yes", "ok", "tell", "now", "why"};
        for (int i = 0; i < n; i++) p.add(new PromptRecord("p" + i, words[i % words.length] + " " + i));
        return p;
    }

    /** One iteration of 8 rollouts; 2 epochs of 2 minibatches of 4 rows, each 2 micro-batches of 2 (2 slices on 2 slots). */
    static PpoConfig config(int iterations) {
        return new PpoConfig("sft", "rm", "prompts", 7, iterations, 8, PpoConfig.ValueHeadInit.RANDOM,
                new PpoConfig.Rollout(1.0, 6, 32),
                new PpoConfig.Reward(null, 0.0, false),
                new PpoConfig.Kl(PpoConfig.KlMode.FIXED, 0.05, 6.0, 10000),
                new PpoConfig.Gae(1.0, 0.95),
                new PpoConfig.Learn(2, 4, 2, 0.2, 0.2, 0.1, 0.0, 0.0, true),
                0.0, new PpoConfig.Ptx("", 2, 16),
                new OptimConfig(3e-3, 3e-3, 0, 0.0, 0.9, 0.95, 1e-8, 1.0),
                1000,
                new PpoConfig.Eval("", 0, new SampleConfig(1.0, 1.0, 8, false), "", 0));
    }

    /** The roles of a run, built afresh (withHead shares arrays, so every run gets its own identical copies). */
    static Ppo.Setup setup(PpoConfig cfg) {
        Policy sft = policy(21);
        Policy rm = policy(33).withHead(GptWeights.Head.REWARD, 5);
        return new Ppo.Setup(cfg, sft.withHead(GptWeights.Head.VALUE, 2), policy(21), rm, false, prompts(12));
    }

    static PpoTrainer trainer(Ppo.Setup s) {
        return new PpoTrainer(s.config(), s.policy(), s.reference(), RewardFn.rewardModel(s.rewardModel()), s.prompts(), List.of(), null);
    }

    /** The largest |a − b| over two policies' flat weights. */
    static double maxAbsDiff(Policy a, Policy b) {
        INDArray x = a.weights().flat(), y = b.weights().flat();
        return x.sub(y).amaxNumber().doubleValue();
    }
}
