package org.rlhf4j.policy.generate;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.engine.Decoder;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.GptEngine;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.rlhf4j.policy.model.TinyModels;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.IdsTokenizer;

/** The decoding fast paths: unsorted sampling, {@link Decoder#lastLogits}, and the ignore-EOS option. */
class FastGenerationTest {
    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    @Test
    void fastSamplingPicksWhatTheSamplerPicks() {
        SplittableRandom r = new SplittableRandom(3);
        double[] work = new double[300];
        for (int trial = 0; trial < 200; trial++) {
            float[] logits = new float[300];
            for (int i = 0; i < logits.length; i++) logits[i] = (float) (r.nextGaussian() * (1 + trial % 7));
            if (trial % 5 == 0) logits[trial % 300] = -1e30f; // a practically impossible id
            SamplingConfig cfg = SamplingConfig.sample(0.3 + trial % 4 * 0.5, 5);
            Sampler.Pick slow = Sampler.pick(logits, cfg, new SplittableRandom(trial));
            Sampler.Pick fast = Generator.pick(logits, cfg, new SplittableRandom(trial), work);
            assertEquals(slow.id(), fast.id(), "trial " + trial);
            assertEquals(slow.logprob(), fast.logprob(), 1e-9, "trial " + trial);
        }
    }

    @Test
    void lastLogitsEqualTheLogitsOfTheFullStep() {
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            GptConfig c = GptConfig.of(40, 16, 8, 2, 2);
            GptWeights w = TinyModels.weights(c, 4, dt);
            List<int[]> prompts = List.of(new int[] {3, 4, 5, 6}, new int[] {7, 8});
            TokenBatch b = TokenBatch.leftPadded(prompts, 4);
            double tol = dt == DataType.DOUBLE ? 1e-6 : 1e-5; // lastLogits rounds to float32
            try (Decoder f = new Decoder(w, 2, 6)) {
                f.advance(b.ids, b.positions, b.realFlags());
                INDArray full = f.logits();
                float[][] last = f.lastLogits();
                for (int i = 0; i < 2; i++)
                    for (int v = 0; v < 40; v++) assertEquals(full.getDouble(i * 4L + 3, v), last[i][v], tol, dt + " prefill row " + i);
                int[][] next = {{9}, {10}}, pos = {{4}, {2}};
                boolean[][] real = {{true}, {false}};
                f.advance(next, pos, real);
                INDArray one = f.logits();
                last = f.lastLogits();
                for (int i = 0; i < 2; i++)
                    for (int v = 0; v < 40; v++) assertEquals(one.getDouble(i, v), last[i][v], tol, dt + " decode row " + i);
            }
        }
    }

    /** A wide step (prefill) equals one token at a time through the cache, with left padding hidden. */
    @Test
    void wideStepEqualsOneTokenAtATime() {
        GptConfig c = GptConfig.of(40, 24, 8, 2, 2);
        GptWeights w = TinyModels.weights(c, 6, DataType.DOUBLE);
        List<int[]> seqs = List.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, new int[] {5, 6, 7, 8, 9, 10, 11, 12, 13});
        TokenBatch b = TokenBatch.leftPadded(seqs, 14);
        INDArray wide;
        try (Decoder f = new Decoder(w, 2, 20)) {
            f.advance(b.ids, b.positions, b.realFlags());
            wide = f.logits();
        }
        try (Decoder f = new Decoder(w, 2, 20)) {
            for (int t = 0; t < b.len; t++) {
                int[][] ids = {{b.ids[0][t]}, {b.ids[1][t]}}, pos = {{b.positions[0][t]}, {b.positions[1][t]}};
                boolean[][] real = {{b.real(0, t)}, {b.real(1, t)}};
                f.advance(ids, pos, real);
                INDArray one = f.logits();
                for (int r = 0; r < 2; r++) {
                    if (!b.real(r, t)) continue;
                    double diff = one.getRow(r).sub(wide.getRow((long) r * b.len + t)).amaxNumber().doubleValue();
                    assertEquals(0, diff, 1e-10, "row " + r + " t " + t);
                }
            }
        }
    }

    /** The decoder's logits give the training engine's log-probabilities (the engine is held to the SameDiff oracle). */
    @Test
    void decoderEqualsTheTrainingEngine() {
        for (String act : new String[] {GptConfig.GELU_TANH, GptConfig.GELU_EXACT}) {
            GptConfig c = new GptConfig(40, 16, 8, 2, 2, 1e-5, act, 0.0);
            GptWeights w = TinyModels.weights(c, 8, DataType.DOUBLE);
            List<int[]> seqs = List.of(new int[] {1, 2, 3, 4, 5, 6, 7}, new int[] {9, 8, 7, 6});
            TokenBatch b = TokenBatch.rightPadded(seqs, 7);
            EngineBatch eb = EngineBatch.of(b).withTargets(b.nextTokenTargets(null)).withTemperature(0.7, false);
            double[] expected = new GptEngine(w).forward(eb).logprob();
            try (Decoder f = new Decoder(w, 2, 7)) {
                f.advance(b.ids, b.positions, b.realFlags());
                INDArray logits = f.logits();
                for (int r = 0; r < 2; r++)
                    for (int t = 0; t + 1 < seqs.get(r).length; t++) {
                        INDArray z = logits.getRow((long) r * 7 + t).div(0.7);
                        double lse = Math.log(Transforms.exp(z.sub(z.maxNumber()), true).sumNumber().doubleValue()) + z.maxNumber().doubleValue();
                        assertEquals(expected[r * 7 + t], z.getDouble(seqs.get(r)[t + 1]) - lse, 1e-12, act + " row " + r + " t " + t);
                    }
            }
        }
    }

    @Test
    void ignoreEosKeepsSamplingToTheLimit() {
        GptConfig c = GptConfig.of(30, 32, 8, 2, 2);
        GptWeights w = TinyModels.weights(c, 8, DataType.FLOAT);
        List<int[]> prompts = List.of(new int[] {2, 3, 4});
        int first = new Policy(c, new IdsTokenizer(30, 0, 1), w).generate(prompts, SamplingConfig.greedy(1), 0).tokens().get(0)[0];
        Policy p = new Policy(c, new IdsTokenizer(30, 0, first), w); // the greedy first token is EOS
        Generator.Result stops = p.generate(prompts, SamplingConfig.greedy(8), 0);
        assertEquals(Generator.Finish.EOS, stops.finish().get(0));
        assertArrayEquals(new int[] {first}, stops.tokens().get(0));
        SamplingConfig ignore = SamplingConfig.greedy(8).withIgnoreEos(true);
        assertTrue(ignore.ignoreEos());
        assertFalse(SamplingConfig.greedy(8).ignoreEos());
        Generator.Result runs = p.generate(prompts, ignore, 0);
        assertEquals(Generator.Finish.LENGTH, runs.finish().get(0));
        assertEquals(8, runs.tokens().get(0).length);
        assertEquals(first, runs.tokens().get(0)[0]);
        List<Integer> ids = new ArrayList<>();
        for (int id : runs.tokens().get(0)) ids.add(id);
        assertEquals(8, ids.size());
    }
}
