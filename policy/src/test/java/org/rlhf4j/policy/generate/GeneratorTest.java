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
import org.rlhf4j.policy.model.TinyModels;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;

/** The KV-cache sampler against the oracle: a full forward over the whole prefix for every new token. */
class GeneratorTest {
    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static Policy policy() {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 48, 16, 2, 2);
        GptWeights w = TinyModels.weights(c, 21, DataType.FLOAT);
        return new Policy(c, new ByteTokenizer(), w);
    }

    /** Oracle: re-run the full forward on prompt + tokens so far, and sample with the same per-row stream. */
    static List<int[]> naive(Policy p, List<int[]> prompts, SamplingConfig cfg, long seed, List<float[]> lps) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            SplittableRandom rng = new SplittableRandom(Generator.rowSeed(seed, i));
            List<Integer> seq = new ArrayList<>();
            for (int id : prompts.get(i)) seq.add(id);
            List<Integer> gen = new ArrayList<>();
            List<Float> lp = new ArrayList<>();
            for (int s = 0; s < cfg.maxNewTokens(); s++) {
                int[] ids = seq.stream().mapToInt(Integer::intValue).toArray();
                INDArray logits = p.logits(TokenBatch.rightPadded(List.of(ids), ids.length));
                float[] last = logits.getRow(ids.length - 1).toFloatVector();
                Sampler.Pick pick = Sampler.pick(last, cfg, rng);
                gen.add(pick.id());
                lp.add((float) pick.logprob());
                seq.add(pick.id());
                if (pick.id() == p.tokenizer().eos()) break;
            }
            out.add(gen.stream().mapToInt(Integer::intValue).toArray());
            float[] a = new float[lp.size()];
            for (int j = 0; j < a.length; j++) a[j] = lp.get(j);
            lps.add(a);
        }
        return out;
    }

    @Test
    void cachedGenerationEqualsFullForwardGreedyAndSampled() {
        Policy p = policy();
        List<int[]> prompts = List.of(p.tokenizer().encode("abc"), p.tokenizer().encode("hello there"), p.tokenizer().encode("x"));
        for (SamplingConfig cfg : List.of(SamplingConfig.greedy(12), SamplingConfig.sample(0.8, 12), SamplingConfig.sample(1.0, 12).withTopP(0.9).withTopK(20))) {
            Generator.Result r = p.generate(prompts, cfg, 5);
            List<float[]> lps = new ArrayList<>();
            List<int[]> expect = naive(p, prompts, cfg, 5, lps);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(expect.get(i), r.tokens().get(i), "row " + i + " with " + cfg);
                assertArrayEquals(lps.get(i), r.logprobs().get(i), 2e-5f, "row " + i + " log-probs with " + cfg);
            }
        }
    }

    @Test
    void returnedLogprobsEqualScoringTheSequenceAtTheSameTemperature() {
        Policy p = policy();
        int[] prompt = p.tokenizer().encode("prompt");
        SamplingConfig cfg = SamplingConfig.sample(0.7, 10);
        Generator.Result r = p.generate(List.of(prompt), cfg, 3);
        int[] resp = r.tokens().get(0);
        int[] full = new int[prompt.length + resp.length];
        System.arraycopy(prompt, 0, full, 0, prompt.length);
        System.arraycopy(resp, 0, full, prompt.length, resp.length);
        float[] scored = p.score(List.of(full), 0.7, false, false).tokenLogprobs().get(0);
        for (int j = 0; j < resp.length; j++) assertEquals(scored[prompt.length - 1 + j], r.logprobs().get(0)[j], 2e-5);
    }

    @Test
    void aRowDoesNotDependOnItsBatchAndSeedsReproduce() {
        Policy p = policy();
        SamplingConfig cfg = SamplingConfig.sample(1.0, 10);
        int[] a = p.tokenizer().encode("alpha"), b = p.tokenizer().encode("a much longer prompt");
        Generator.Result both = p.generate(List.of(a, b), cfg, 9);
        Generator.Result again = p.generate(List.of(a, b), cfg, 9);
        assertArrayEquals(both.tokens().get(1), again.tokens().get(1));
        Generator.Result other = p.generate(List.of(a, b), cfg, 10);
        assertFalse(java.util.Arrays.equals(both.tokens().get(1), other.tokens().get(1)));
    }

    @Test
    void stopSequencesAndMaxNewTokens() {
        Policy p = policy();
        Generator.Result free = p.generate(List.of(p.tokenizer().encode("abc")), SamplingConfig.greedy(20), 0);
        String text = p.tokenizer().decode(free.tokens().get(0));
        assertEquals(Generator.Finish.LENGTH, free.finish().get(0));
        assertEquals(20, free.tokens().get(0).length);
        // stop on a substring the greedy response is known to contain
        String stop = text.substring(3, 5);
        Generator.Result stopped = p.generate(List.of(p.tokenizer().encode("abc")), SamplingConfig.greedy(20).withStop(List.of(stop)), 0);
        assertEquals(Generator.Finish.STOP_SEQUENCE, stopped.finish().get(0));
        int[] ids = stopped.tokens().get(0);
        assertTrue(p.tokenizer().decode(ids).contains(stop));
        assertFalse(p.tokenizer().decode(java.util.Arrays.copyOf(ids, ids.length - 1)).contains(stop), "stopped as soon as the stop string appeared");
        assertArrayEquals(java.util.Arrays.copyOf(free.tokens().get(0), ids.length), ids);
    }

    @Test
    void eosEndsARowAndIsIncluded() {
        Policy p = policy();
        // Make every hidden state equal to v (ln_f gain 0, bias v) and EOS's embedding a large multiple of v.
        var w = p.weights();
        INDArray v = org.nd4j.linalg.factory.Nd4j.linspace(1, 16, 16, DataType.FLOAT).divi(16);
        w.get(GptWeights.LN_F_W).assign(0);
        w.get(GptWeights.LN_F_B).assign(v);
        w.get(GptWeights.WTE).getRow(ByteTokenizer.EOS).assign(v.mul(50));
        Generator.Result r = p.generate(List.of(p.tokenizer().encode("abc"), p.tokenizer().encode("de")), SamplingConfig.greedy(10), 0);
        for (int i = 0; i < 2; i++) {
            assertEquals(Generator.Finish.EOS, r.finish().get(i));
            assertArrayEquals(new int[] {ByteTokenizer.EOS}, r.tokens().get(i));
            assertTrue(r.endedWithEos(i));
        }
    }
}
