package org.rlhf4j.policy.model;

import static org.rlhf4j.policy.model.GptWeights.*;

import java.util.EnumMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The whole GPT-2 graph in SameDiff, in one file: embeddings, pre-LayerNorm blocks with causal multi-head attention
 * and a GELU MLP, the final LayerNorm, the tied LM head and the scalar heads. Used for everything that needs gradients
 * (pretraining, SFT, reward model, PPO). Inference without gradients uses {@link org.rlhf4j.policy.engine.Decoder}, which computes the same
 * function with plain array ops and a key/value cache; a test holds the two equal.
 *
 * <p>Only ops whose gradients were verified are used (docs/nd4j-notes.md lists the defects): embeddings are one-hot × table
 * matmuls (no gather), LayerNorm and GELU are composed from primitives, log-softmax has no explicit dimension, and
 * attention is a rank-4 matmul plus an additive bias. Shapes: B rows, T positions (fixed per graph), d width,
 * H heads of size hs, V vocabulary. Activations are kept flat as [B·T, d] between blocks.
 */
public final class GptGraph {
    /** [B, T] int32 token ids (padding replaced by any valid id; the bias and the masks make it irrelevant). */
    public static final String TOKENS = "tokens";
    /** [B, T] int32 position ids (0 at each sequence's first real token). */
    public static final String POSITIONS = "positions";
    /** [B, 1, T, T] additive attention bias: 0 where query t may see key s, a large negative number elsewhere. */
    public static final String ATTN_BIAS = "attn_bias";

    /** What the backbone produces; everything is flat over rows and positions, [B·T, …]. */
    public record Outputs(SDVariable hidden, SDVariable logits, Map<Head, SDVariable> heads, int seqLen) {}

    private GptGraph() {}

    /**
     * Adds the model to {@code sd}, with each weight registered as a trainable variable under its own name, backed by
     * the very array in {@code w} (so in-place updates to {@code w} are seen by the graph).
     */
    public static Outputs build(SameDiff sd, GptWeights w, int seqLen) {
        GptConfig c = w.config();
        if (seqLen > c.contextLength()) throw new IllegalArgumentException("sequence length " + seqLen + " exceeds n_positions=" + c.contextLength());
        DataType dt = w.dataType();
        for (var e : w.arrays().entrySet()) sd.var(e.getKey(), e.getValue());
        int d = c.dModel(), h = c.nHead(), hs = c.headSize(), t = seqLen;

        SDVariable tokens = sd.placeHolder(TOKENS, DataType.INT, -1, t);
        SDVariable positions = sd.placeHolder(POSITIONS, DataType.INT, -1, t);
        SDVariable bias = sd.placeHolder(ATTN_BIAS, dt, -1, 1, t, t);

        // Embeddings as one-hot × table (sd.gather's backward is slow and two gathers in one graph crash).
        SDVariable tokOneHot = sd.oneHot(tokens, c.vocabSize(), -1, 1.0, 0.0, dt).reshape(-1, c.vocabSize()); // (B·T, V)
        SDVariable posOneHot = sd.oneHot(positions, c.contextLength(), -1, 1.0, 0.0, dt).reshape(-1, c.contextLength());
        SDVariable x = tokOneHot.mmul(sd.getVariable(WTE)).add(posOneHot.mmul(sd.getVariable(WPE))); // (B·T, d)
        x = dropout(sd, x, c);

        for (int i = 0; i < c.nLayer(); i++) {
            // attention sub-block: x + proj(attn(ln_1(x)))
            SDVariable a = layerNorm(sd, x, v(sd, i, LN1_W), v(sd, i, LN1_B), c.layerNormEpsilon());
            SDVariable qkv = linear(sd, a, v(sd, i, ATTN_W), v(sd, i, ATTN_B));                // (B·T, 3d)
            SDVariable heads = sd.permute(qkv.reshape(-1, t, 3, h, hs), 2, 0, 3, 1, 4);       // (3, B, H, T, hs)
            SDVariable[] qkvSplit = sd.unstack(heads, 0, 3);
            SDVariable q = qkvSplit[0], k = qkvSplit[1], val = qkvSplit[2];                   // (B, H, T, hs)
            SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(hs)).add(bias); // (B, H, T, T)
            SDVariable att = sd.nn().softmax(scores, -1);
            SDVariable y = sd.mmul(att, val);                                                 // (B, H, T, hs)
            y = sd.permute(y, 0, 2, 1, 3).reshape(-1, d);                                     // (B·T, d)
            y = linear(sd, y, v(sd, i, PROJ_W), v(sd, i, PROJ_B));
            x = x.add(dropout(sd, y, c));
            // MLP sub-block: x + fc2(gelu(fc(ln_2(x))))
            SDVariable m = layerNorm(sd, x, v(sd, i, LN2_W), v(sd, i, LN2_B), c.layerNormEpsilon());
            m = gelu(sd, linear(sd, m, v(sd, i, FC_W), v(sd, i, FC_B)), c.activation());         // (B·T, 4d)
            m = linear(sd, m, v(sd, i, FC2_W), v(sd, i, FC2_B));                                 // (B·T, d)
            x = x.add(dropout(sd, m, c));
        }
        SDVariable hidden = layerNorm(sd, x, sd.getVariable(LN_F_W), sd.getVariable(LN_F_B), c.layerNormEpsilon());
        SDVariable logits = sd.mmul("logits", hidden, sd.getVariable(WTE), false, true, false); // (B·T, V), tied head

        Map<Head, SDVariable> headOut = new EnumMap<>(Head.class);
        for (Head head : Head.values()) {
            if (!w.hasHead(head)) continue;
            SDVariable r = hidden.mmul(sd.getVariable(head.weight)).add(sd.getVariable(head.bias)).reshape(-1); // (B·T)
            headOut.put(head, r);
        }
        return new Outputs(hidden, logits, headOut, t);
    }

    private static SDVariable v(SameDiff sd, int block, String leaf) {
        return sd.getVariable(block(block, leaf));
    }

    /** x · W + b with ND4J's bias_add op, whose backward is a plain column sum (a broadcast add's is much slower). */
    static SDVariable linear(SameDiff sd, SDVariable x, SDVariable w, SDVariable b) {
        return sd.nn().biasAdd(x.mmul(w), b, true);
    }

    /**
     * LayerNorm over the last axis of a [N, d] input, composed from primitives. ND4J's fused layer_norm op was tried
     * and rejected: its output differs from (x − μ)/√(σ² + ε) by up to 9e-5 in float64 (the oracle test caught it).
     */
    static SDVariable layerNorm(SameDiff sd, SDVariable x, SDVariable gain, SDVariable bias, double eps) {
        SDVariable centred = x.sub(x.mean(true, 1));                         // (N, d)
        SDVariable variance = centred.mul(centred).mean(true, 1);             // (N, 1)
        return centred.mul(sd.math().rsqrt(variance.add(eps))).mul(gain).add(bias);
    }

    /**
     * GELU. ND4J's own GELU op is the sigmoid approximation (docs/nd4j-notes.md, defect 6), so both forms are composed:
     * "gelu_new" = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) as GPT-2; "gelu" = 0.5·x·(1 + erf(x/√2)).
     */
    static SDVariable gelu(SameDiff sd, SDVariable x, String activation) {
        if (GptConfig.GELU_EXACT.equals(activation)) {
            return x.mul(0.5).mul(sd.math().erf(x.mul(1.0 / Math.sqrt(2.0))).add(1.0));
        }
        SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
        return x.mul(0.5).mul(sd.math().tanh(inner).add(1.0));
    }

    private static SDVariable dropout(SameDiff sd, SDVariable x, GptConfig c) {
        return c.dropout() > 0 ? sd.nn().dropout(x, 1.0 - c.dropout()) : x;
    }

    /**
     * Per-token log-probabilities of {@code targets} ([B·T] one-hot built in the graph from an int placeholder) under
     * softmax(logits / temperature): Σ_v logSoftmax(z)_v · onehot_v. Built on logSoftmax without a dimension and a
     * one-hot product, because sparseSoftmaxCrossEntropy's backward ignores any mask applied after it.
     */
    public static SDVariable tokenLogprobs(SameDiff sd, SDVariable logits, SDVariable targets, SDVariable temperature, int vocab) {
        SDVariable scaled = temperature == null ? logits : logits.div(temperature);
        SDVariable oneHot = sd.oneHot(targets.reshape(-1), vocab, -1, 1.0, 0.0, logits.dataType()); // (B·T, V)
        return sd.nn().logSoftmax(scaled).mul(oneHot).sum(1);                                        // (B·T)
    }
}
