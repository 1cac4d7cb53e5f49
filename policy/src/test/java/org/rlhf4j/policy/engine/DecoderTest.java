package org.rlhf4j.policy.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.TokenBatch;

/** The key/value-cache decoder on both kernel sets: the same logits, step by step, in float64. */
class DecoderTest {
    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    @Test
    void bothKernelSetsDecodeAlike() {
        for (String act : new String[] {GptConfig.GELU_TANH, GptConfig.GELU_EXACT}) {
            GptConfig c = new GptConfig(30, 16, 8, 2, 2, 1e-5, act, 0.0);
            GptWeights w = GptWeights.init(c, 3, DataType.DOUBLE);
            TokenBatch prompts = TokenBatch.leftPadded(List.of(new int[] {3, 4, 5, 6, 7}, new int[] {8, 9}), 5);
            try (Decoder cpu = new Decoder(w, 2, 9, CpuKernels.INSTANCE); Decoder nd4j = new Decoder(w, 2, 9, Nd4jKernels.INSTANCE)) {
                cpu.advance(prompts.ids, prompts.positions, prompts.realFlags());
                nd4j.advance(prompts.ids, prompts.positions, prompts.realFlags());
                assertClose(cpu.logits(), nd4j.logits(), act + " prefill");
                int[][] next = {{11}, {12}};
                for (int step = 0; step < 4; step++) {
                    float[][] a = cpu.lastLogits(), b = nd4j.lastLogits();
                    for (int r = 0; r < 2; r++) assertArrayEquals(a[r], b[r], 1e-6f, act + " step " + step + " row " + r);
                    int[][] pos = {{5 + step}, {2 + step}};
                    boolean[][] real = {{true}, {step != 2}}; // row 1's third new slot is padding: hidden from later queries
                    cpu.advance(next, pos, real);
                    nd4j.advance(next, pos, real);
                    assertClose(cpu.logits(), nd4j.logits(), act + " step " + step);
                }
            }
        }
    }

    static void assertClose(INDArray a, INDArray b, String what) {
        assertEquals(0, a.sub(b).amaxNumber().doubleValue(), 1e-12, what);
    }
}
