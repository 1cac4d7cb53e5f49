package org.rlhf4j.policy;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.engine.Decoder;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.generate.Generator;
import org.rlhf4j.policy.generate.SamplingConfig;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.ChatTemplate;
import org.rlhf4j.policy.tokenizer.Tokenizer;

/**
 * The one policy abstraction every stage shares: a causal LM (GPT-2 architecture) with its tokenizer and optional
 * scalar heads. The SFT model, the frozen reference, the reward model (reward head) and the PPO actor-critic (value
 * head) are all instances of this class. Scoring runs on the training engine ({@link GptEngine}), generation on its
 * kernels with a key/value cache ({@link Decoder}); both read the same flat weight buffer the trainers update.
 */
public final class Policy {
    private final GptConfig config;
    private final Tokenizer tokenizer;
    private final GptWeights weights;
    private final ChatTemplate chat;
    private int scoreRows = 16;
    /** The engine {@link #score} runs on (its activation arena is kept between calls). */
    private GptEngine scorer;

    public Policy(GptConfig config, Tokenizer tokenizer, GptWeights weights) {
        if (config.vocabSize() < tokenizer.vocabSize())
            throw new IllegalArgumentException("vocab_size " + config.vocabSize() + " is smaller than the tokenizer's " + tokenizer.vocabSize());
        if (!weights.config().equals(config)) throw new IllegalArgumentException("weights were built for another config");
        this.config = config;
        this.tokenizer = tokenizer;
        this.weights = weights;
        this.chat = new ChatTemplate(tokenizer);
    }

    public GptConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public GptWeights weights() {
        return weights;
    }

    public ChatTemplate chat() {
        return chat;
    }

    /** A frozen deep copy (e.g. the PPO reference): it keeps its values while this policy trains. */
    public Policy frozenCopy() {
        return new Policy(config, tokenizer, weights.copy());
    }

    public Policy withHead(Head head, long seed) {
        return new Policy(config, tokenizer, weights.withHead(head, seed));
    }

    public long parameterCount() {
        return weights.parameterCount();
    }

    /** Forward FLOPs per token at full context (see {@link GptConfig#forwardFlopsPerToken}). */
    public double forwardFlopsPerToken() {
        return config.forwardFlopsPerToken(config.contextLength());
    }

    /** Rows per forward call when scoring many sequences. */
    public Policy scoreRows(int rows) {
        this.scoreRows = Math.max(1, rows);
        return this;
    }

    /** Logits for a prepared batch, (rows·len, V). */
    public INDArray logits(TokenBatch batch) {
        try (Decoder f = new Decoder(weights, batch.rows, batch.len)) {
            f.advance(batch.ids, batch.positions, batch.realFlags());
            return f.logits();
        }
    }

    /** Everything a scorer may want from one forward pass over full sequences. */
    public record Scores(List<float[]> tokenLogprobs, List<float[]> values, float[] lastReward) {}

    /**
     * Scores whole sequences in one forward pass each, on the training engine (the same kernels that train it): per-token
     * log-probs where index i is log P(token i+1 | tokens 0..i) under softmax(logits / temperature), per-position
     * values (if the value head exists and is asked for), and the reward head at each sequence's last token (if it
     * exists and is asked for).
     */
    public Scores score(List<int[]> seqs, double temperature, boolean values, boolean reward) {
        return score(seqs, temperature, true, values, reward, scoreRows, null);
    }

    /**
     * The reward head at each sequence's last token, {@code rowsPerPass} sequences per forward pass (callers sort by
     * length to save padding); the LM head does not run.
     */
    public double[] rewards(List<int[]> seqs, int rowsPerPass) {
        double[] out = new double[seqs.size()];
        score(seqs, 1.0, false, false, true, rowsPerPass, out);
        return out;
    }

    /** One forward pass per chunk of rows; the reward head's values also go to {@code exactRewards} when given. */
    private Scores score(List<int[]> seqs, double temperature, boolean logprobs, boolean values, boolean reward, int rowsPerPass,
                         double[] exactRewards) {
        if (values && !weights.hasHead(Head.VALUE)) throw new IllegalStateException("this policy has no value head");
        if (reward && !weights.hasHead(Head.REWARD)) throw new IllegalStateException("this policy has no reward head");
        if (scorer == null) scorer = GptEngine.forInference(weights);
        List<float[]> lps = new ArrayList<>(), vals = new ArrayList<>();
        float[] rewards = new float[seqs.size()];
        for (int from = 0; from < seqs.size(); from += rowsPerPass) {
            List<int[]> chunk = seqs.subList(from, Math.min(seqs.size(), from + rowsPerPass));
            int len = chunk.stream().mapToInt(s -> s.length).max().orElse(1);
            TokenBatch batch = TokenBatch.rightPadded(chunk, len);
            batch.checkIds(config.vocabSize());
            int[] last = new int[chunk.size()];
            for (int r = 0; r < chunk.size(); r++) last[r] = chunk.get(r).length - 1;
            EngineBatch eb = EngineBatch.of(batch).withTemperature(temperature, false);
            if (logprobs) eb = eb.withTargets(batch.nextTokenTargets(null));
            if (values) eb = eb.withValues();
            if (reward) eb = eb.withRewardAt(last);
            Outputs out = scorer.forward(eb);
            for (int r = 0; r < chunk.size(); r++) {
                int[] s = chunk.get(r);
                if (logprobs) {
                    float[] lp = new float[s.length - 1];
                    for (int t = 0; t + 1 < s.length; t++) lp[t] = (float) out.logprob()[r * len + t];
                    lps.add(lp);
                }
                if (values) {
                    float[] v = new float[s.length];
                    for (int t = 0; t < s.length; t++) v[t] = (float) out.value()[r * len + t];
                    vals.add(v);
                }
                if (reward) rewards[from + r] = (float) out.reward()[r];
                if (exactRewards != null) exactRewards[from + r] = out.reward()[r];
            }
        }
        return new Scores(logprobs ? lps : null, values ? vals : null, reward ? rewards : null);
    }

    /** Samples continuations of token prompts with the KV cache. */
    public Generator.Result generate(List<int[]> prompts, SamplingConfig cfg, long seed) {
        return new Generator(weights, tokenizer, config.contextLength()).generate(prompts, cfg, seed);
    }

    /** Samples with one seed per prompt. */
    public Generator.Result generate(List<int[]> prompts, SamplingConfig cfg, long[] rowSeeds) {
        return new Generator(weights, tokenizer, config.contextLength()).generate(prompts, cfg, rowSeeds);
    }
}
