package org.rlhf4j.policy.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Tiny models for tests: seconds on 2 cores. */
public final class TinyModels {
    private TinyModels() {}

    public static GptConfig config(int vocab) {
        return GptConfig.of(vocab, 16, 8, 2, 2);
    }

    /**
     * Weights with matrices scaled up from GPT-2's 0.02 so attention and GELU are exercised away from their linear
     * regime, and non-trivial LayerNorm gains and biases.
     */
    public static GptWeights weights(GptConfig c, long seed, DataType dt) {
        GptWeights w = GptWeights.init(c, seed, dt);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed + 1);
        for (var e : w.arrays().entrySet()) {
            INDArray a = e.getValue();
            if (a.rank() == 2) a.muli(15);
            else for (long i = 0; i < a.length(); i++) a.putScalar(i, a.getDouble(i) + 0.3 * (r.nextDouble() - 0.5));
        }
        return w;
    }
}
