package org.rlhf4j.reward.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.world.AnnotatorPool;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;

class SampleRankingsTest {
    static final SampleConfig SAMPLE = new SampleConfig(1.0, 1.0, 8, false);

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static Policy policy() {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 128, 16, 2, 2);
        return new Policy(c, new ByteTokenizer(), GptWeights.init(c, 3, DataType.FLOAT));
    }

    /** A policy that emits {@code token} at every step whatever the input (hidden state constant, one logit 100). */
    static Policy alwaysEmits(int token) {
        Policy p = policy();
        p.weights().get(GptWeights.LN_F_W).assign(0);
        INDArray b = p.weights().get(GptWeights.LN_F_B).assign(0);
        b.putScalar(0, 100);
        INDArray wte = p.weights().get(GptWeights.WTE);
        for (int v = 0; v < wte.size(0); v++) wte.putScalar(v, 0, v == token ? 1 : 0);
        return p;
    }

    static List<PromptRecord> prompts() {
        return DataFiles.loadPrompts("embedded:prompts.validation.jsonl.gz").subList(0, 4);
    }

    @Test
    void samplesKDistinctResponsesRanksThemAndWritesValidRankings(@TempDir Path dir) throws Exception {
        List<PromptRecord> prompts = prompts();
        SampleRankings.Result r = SampleRankings.run(policy(), "ck/sft", prompts, 3, SAMPLE, 7, AnnotatorPool.defaultPool());
        assertEquals(4, r.rankings().size());
        assertTrue(r.dropped().isEmpty());
        HashSet<String> annotators = new HashSet<>();
        AnnotatorPool.defaultPool().annotators().forEach(a -> annotators.add(a.id()));
        for (int i = 0; i < 4; i++) {
            Ranking k = r.rankings().get(i);
            assertEquals(prompts.get(i).prompt(), k.prompt());
            assertEquals(prompts.get(i).family(), k.family());
            assertEquals(prompts.get(i).gold(), k.gold());
            assertEquals(3, k.k());
            assertEquals(3, new HashSet<>(k.responses()).size(), "distinct responses");
            assertEquals(3, k.eos().size());
            assertEquals(3, k.sources().size());
            assertEquals("ck/sft", k.sources().get(0).checkpoint());
            assertEquals(1.0, k.sources().get(0).temperature());
            assertTrue(annotators.contains(k.annotator()), k.annotator());
        }
        Path f = dir.resolve("rankings.jsonl");
        SampleRankings.write(f, r.rankings());
        assertEquals(r.rankings(), DataFiles.loadRankings(f.toString()), "written rankings pass the shared validation unchanged");
        // reproducible, and independent of how rows are batched
        SampleRankings.Sampled a = SampleRankings.sample(policy(), prompts, 3, SAMPLE, 7, 5, 4);
        SampleRankings.Sampled b = SampleRankings.sample(policy(), prompts, 3, SAMPLE, 7, 32, 4);
        for (int i = 0; i < 4; i++) assertEquals(a.candidates().get(i).responses(), b.candidates().get(i).responses());
        assertEquals(SampleRankings.rank(a.candidates(), AnnotatorPool.defaultPool(), "x", 1, 9),
                SampleRankings.rank(b.candidates(), AnnotatorPool.defaultPool(), "x", 1, 9));
    }

    @Test
    void promptsWithoutKDistinctNonEmptyResponsesAreResampledThenDroppedAndReported() {
        List<PromptRecord> prompts = prompts();
        // every response is "aaaaaaaa": the first is kept, the other K−1 repeat it, in every round
        SampleRankings.Sampled dup = SampleRankings.sample(alwaysEmits('a'), prompts, 3, SAMPLE, 1, 32, 3);
        assertTrue(dup.candidates().isEmpty());
        assertEquals(prompts.stream().map(PromptRecord::id).toList(), dup.dropped());
        assertEquals(4 * 2 * 2, dup.resampled(), "2 missing slots × 4 prompts, in each of the 2 extra rounds");
        // every response is empty (EOS at once): never a valid ranking entry
        SampleRankings.Sampled empty = SampleRankings.sample(alwaysEmits(ByteTokenizer.EOS), prompts, 2, SAMPLE, 1, 32, 2);
        assertTrue(empty.candidates().isEmpty());
        assertEquals(4, empty.dropped().size());
        assertThrows(IllegalArgumentException.class, () -> SampleRankings.sample(policy(), prompts, 10, SAMPLE, 1, 32, 2));
        assertThrows(IllegalArgumentException.class, () -> SampleRankings.sample(policy(), prompts, 3, new SampleConfig(1, 1, 8, true), 1, 32, 2));
    }
}
