package org.rlhf4j.policy.bench;

import java.util.List;
import org.rlhf4j.policy.model.GptConfig;

/**
 * One benchmark shape, the same numbers as {@code SHAPES} in the repository's bench/torch_peer.py (BenchTest checks).
 *
 * @param name      the peer's name for it ("nano", "small", "gpt2")
 * @param vocab     vocabulary (rows of the tied embedding)
 * @param dModel    residual width
 * @param layers    transformer blocks
 * @param heads     attention heads
 * @param ctx       context length; train and score run on [batch, ctx] tokens (ctx − 1 predicted per row)
 * @param batch     rows per call
 * @param prompt    prompt tokens per row before generation
 * @param newTokens tokens generated per row
 */
public record Shape(String name, int vocab, int dModel, int layers, int heads, int ctx, int batch, int prompt, int newTokens) {
    public static final Shape NANO = new Shape("nano", 512, 128, 4, 4, 128, 16, 32, 96);
    public static final Shape SMALL = new Shape("small", 8192, 256, 6, 8, 256, 8, 64, 128);
    /** GPT-2 small (124M parameters), what a user with the real weights trains; minutes per figure on 2 cores. */
    public static final Shape GPT2 = new Shape("gpt2", 50257, 768, 12, 12, 256, 2, 32, 32);
    public static final List<Shape> ALL = List.of(NANO, SMALL, GPT2);
    /** What {@code bench} runs when no shape is named: the two that take seconds, not minutes. */
    public static final List<Shape> DEFAULT = List.of(NANO, SMALL);

    public static Shape named(String name) {
        for (Shape s : ALL) if (s.name.equals(name)) return s;
        throw new IllegalArgumentException("unknown shape " + name + " (expected one of "
                + String.join(", ", ALL.stream().map(Shape::name).toList()) + ")");
    }

    /** The model: GPT-2 architecture (tanh GELU, eps 1e-5, no dropout), as the peer's. */
    public GptConfig config() {
        return GptConfig.of(vocab, ctx, dModel, layers, heads);
    }

    /** Tokens one train step or one score call predicts: batch · (ctx − 1), as the peer counts them. */
    public long sequenceTokens() {
        return (long) batch * (ctx - 1);
    }

    /** Tokens one generate call produces: batch · newTokens. */
    public long generatedTokens() {
        return (long) batch * newTokens;
    }
}
