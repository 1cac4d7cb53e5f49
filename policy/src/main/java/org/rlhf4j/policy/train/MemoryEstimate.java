package org.rlhf4j.policy.train;

import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.model.GptConfig;

/**
 * An upper-bound estimate of the native memory one training micro-batch needs, checked before a run starts so that a
 * model or batch that cannot fit is refused with the figures instead of failing as a native crash mid-run.
 *
 * <p>The training engine's activation arena is exact ({@link GptEngine#arenaElements}: per token and block 21·d
 * values plus H·T attention probabilities, the logits of at most 2^25 elements, and the backward's scratch).
 * Parameters cost 4 copies (weights, gradients, Adam's two moments).
 */
public final class MemoryEstimate {
    private MemoryEstimate() {}

    public static long trainingBytes(GptConfig c, int rowsPerMicroBatch, int seqLen, int bytesPerValue) {
        double activations = GptEngine.arenaElements(c, rowsPerMicroBatch, seqLen);
        double params = 4.0 * c.parameterCount();
        return (long) ((activations + params) * bytesPerValue);
    }

    /** The native memory ND4J may use (JavaCPP's limit, set by -Dorg.bytedeco.javacpp.maxbytes, default -Xmx). */
    public static long available() {
        return org.bytedeco.javacpp.Pointer.maxBytes();
    }

    /**
     * Refuses a configuration whose estimate exceeds {@code fraction} of the available native memory.
     *
     * @throws IllegalArgumentException with the estimate, the limit and what to change
     */
    public static void check(String what, GptConfig c, int rows, int seqLen, long availableBytes, double fraction) {
        long need = trainingBytes(c, rows, seqLen, 4);
        if (availableBytes > 0 && need > fraction * availableBytes)
            throw new IllegalArgumentException(String.format(
                    "%s: a micro-batch of %d rows × %d tokens on this model needs about %.2f GiB of native memory, more than %.0f%% of the %.2f GiB available "
                            + "(-Dorg.bytedeco.javacpp.maxbytes, the launcher's RLHF4J_OFFHEAP); lower the micro-batch size or the sequence length",
                    what, rows, seqLen, need / 1073741824.0, 100 * fraction, availableBytes / 1073741824.0));
    }
}
