package org.rlhf4j.policy.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * Shape of the decoder-only transformer (GPT-2 architecture). Field names on disk are Hugging Face's GPT-2 names so a
 * checkpoint's {@code config.json} reads like theirs.
 *
 * @param vocabSize        rows of the token embedding (and of the tied LM head)
 * @param contextLength    learned positions ({@code n_positions}); the longest sequence the model accepts
 * @param dModel           residual width ({@code n_embd})
 * @param nLayer           transformer blocks
 * @param nHead            attention heads; must divide dModel
 * @param layerNormEpsilon epsilon inside every LayerNorm
 * @param activation       MLP activation: "gelu_new" (GPT-2's tanh form) or "gelu" (exact, x·Φ(x))
 * @param dropout          dropout on attention output, MLP output and embeddings during training; 0 turns it off
 */
@JsonIgnoreProperties(value = {"model_type"}, allowGetters = true)
public record GptConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("n_positions") int contextLength,
        @JsonProperty("n_embd") int dModel,
        @JsonProperty("n_layer") int nLayer,
        @JsonProperty("n_head") int nHead,
        @JsonProperty("layer_norm_epsilon") double layerNormEpsilon,
        @JsonProperty("activation_function") String activation,
        @JsonProperty("dropout") double dropout) {

    public static final String GELU_TANH = "gelu_new";
    public static final String GELU_EXACT = "gelu";

    public GptConfig {
        List<String> problems = problems(vocabSize, contextLength, dModel, nLayer, nHead, layerNormEpsilon, activation, dropout);
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid model config: " + String.join("; ", problems));
    }

    @JsonProperty("model_type")
    public String modelType() {
        return "gpt2";
    }

    static List<String> problems(int vocab, int ctx, int d, int layers, int heads, double eps, String act, double dropout) {
        List<String> p = new ArrayList<>();
        if (vocab < 2) p.add("vocab_size: expected >= 2, got " + vocab);
        if (ctx < 2) p.add("n_positions: expected >= 2, got " + ctx);
        if (d < 1) p.add("n_embd: expected >= 1, got " + d);
        if (layers < 1) p.add("n_layer: expected >= 1, got " + layers);
        if (heads < 1 || (d > 0 && d % Math.max(heads, 1) != 0)) p.add("n_head: expected a divisor of n_embd=" + d + ", got " + heads);
        if (!(eps > 0 && eps < 1)) p.add("layer_norm_epsilon: expected in (0,1), got " + eps);
        if (!GELU_TANH.equals(act) && !GELU_EXACT.equals(act)) p.add("activation_function: expected \"gelu_new\" or \"gelu\", got " + act);
        if (!(dropout >= 0 && dropout < 1)) p.add("dropout: expected in [0,1), got " + dropout);
        return p;
    }

    public int headSize() {
        return dModel / nHead;
    }

    /** Parameters of the backbone with the tied LM head (heads for value and reward add dModel+1 each). */
    public long parameterCount() {
        long d = dModel;
        long perBlock = 2 * d + d * 3 * d + 3 * d + d * d + d + 2 * d + d * 4 * d + 4 * d + 4 * d * d + d;
        return (long) vocabSize * d + (long) contextLength * d + nLayer * perBlock + 2 * d;
    }

    /**
     * Forward FLOPs per token at context length {@code t} (multiply-adds counted as 2), the PaLM/Kaplan estimate:
     * 2·N for the matrices (tied head included once) plus 2·nLayer·t·d for attention scores and values.
     * Training is about 3× this.
     */
    public double forwardFlopsPerToken(int t) {
        double d = dModel;
        double matrices = nLayer * 12.0 * d * d + (double) vocabSize * d;
        return 2 * matrices + 2.0 * nLayer * t * d;
    }

    public static GptConfig of(int vocab, int ctx, int d, int layers, int heads) {
        return new GptConfig(vocab, ctx, d, layers, heads, 1e-5, GELU_TANH, 0.0);
    }

    public GptConfig withDropout(double p) {
        return new GptConfig(vocabSize, contextLength, dModel, nLayer, nHead, layerNormEpsilon, activation, p);
    }
}
