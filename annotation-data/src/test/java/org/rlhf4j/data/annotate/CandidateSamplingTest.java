package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.generate.Generator;
import org.rlhf4j.policy.generate.SamplingConfig;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;

class CandidateSamplingTest {
    @TempDir
    Path dir;

    private static final List<PromptRecord> PROMPTS = List.of(new PromptRecord("p0", "Say a."), new PromptRecord("p1", "Say b."),
            new PromptRecord("p2", "Say c."));

    /** A fake sampler: the text is "prompt/slot/seed", except where {@code text} overrides it; records every row. */
    private static final class Fake implements CandidateSampling.Sampler {
        final List<CandidateSampling.Row> rows = new ArrayList<>();
        final List<Integer> batchSizes = new ArrayList<>();
        final java.util.function.Function<CandidateSampling.Row, String> text;

        Fake(java.util.function.Function<CandidateSampling.Row, String> text) {
            this.text = text;
        }

        @Override
        public List<CandidateSampling.Sampled> sample(List<PromptRecord> prompts, List<CandidateSampling.Row> batch) {
            rows.addAll(batch);
            batchSizes.add(batch.size());
            return batch.stream().map(r -> new CandidateSampling.Sampled(text.apply(r), r.slot() % 2 == 0)).toList();
        }
    }

    @Test
    void distinctResponsesWithTheirSeedsRecorded() {
        Fake fake = new Fake(r -> r.prompt() + "/" + r.slot() + "/" + r.seed());
        CandidateSampling.Result r = CandidateSampling.sample(fake, PROMPTS, 4, 0.7, 5, "runs/sft/best");
        assertEquals(3, r.candidates().size());
        assertEquals(List.of(), r.dropped());
        assertEquals(0, r.resampled());
        assertEquals(12, fake.rows.size());
        Candidates c = r.candidates().get(1);
        assertEquals("p1", c.id());
        assertEquals(List.of(true, false, true, false), c.eos());
        long seed2 = CandidateSampling.row(5, 1, 2, 4, 0).seed();
        assertEquals(new ResponseSource("runs/sft/best", 0.7, seed2), c.sources().get(2));
        assertEquals("1/2/" + seed2, c.responses().get(2));
        Set<Long> seeds = new HashSet<>();
        fake.rows.forEach(row -> seeds.add(row.seed()));
        assertEquals(12, seeds.size(), "every row has its own seed");
    }

    @Test
    void seedsDoNotDependOnBatchingOrOnLaterPrompts() {
        List<PromptRecord> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) many.add(new PromptRecord("p" + i, "Say " + i + "."));
        Fake all = new Fake(r -> r.prompt() + "/" + r.slot() + "/" + r.seed());
        Fake few = new Fake(r -> r.prompt() + "/" + r.slot() + "/" + r.seed());
        var a = CandidateSampling.sample(all, many, 3, 1.0, 9, "ck");
        var b = CandidateSampling.sample(few, many.subList(0, 2), 3, 1.0, 9, "ck");
        assertEquals(List.of(32, 28), all.batchSizes);
        assertEquals(a.candidates().subList(0, 2), b.candidates());
    }

    @Test
    void duplicatesAndEmptyResponsesAreResampledThenThePromptIsDropped() {
        // p0: slot 1 repeats slot 0 on its first try only; p1: slot 2 always empty; p2 always fine.
        Fake fake = new Fake(r -> {
            long attempt = (r.seed() - CandidateSampling.row(0, r.prompt(), r.slot(), 3, 0).seed());
            if (r.prompt() == 0 && r.slot() == 1 && attempt == 0) return "0/0/" + CandidateSampling.row(0, 0, 0, 3, 0).seed();
            if (r.prompt() == 1 && r.slot() == 2) return "  ";
            return r.prompt() + "/" + r.slot() + "/" + r.seed();
        });
        CandidateSampling.Result r = CandidateSampling.sample(fake, PROMPTS, 3, 1.0, 0, "ck");
        assertEquals(List.of("p0", "p2"), r.candidates().stream().map(Candidates::id).toList());
        assertEquals(List.of("p1"), r.dropped());
        assertEquals(1 + CandidateSampling.MAX_RESAMPLES, r.resampled(), "p0 once, p1's empty slot every time");
        assertEquals(9 + 1 + CandidateSampling.MAX_RESAMPLES, fake.rows.size());
        assertEquals(CandidateSampling.row(0, 0, 1, 3, 1).seed(), r.candidates().get(0).sources().get(1).seed(),
                "the resampled response records the seed it was sampled with");
        assertTrue(r.summary().contains("1 prompts dropped (no 3 distinct non-empty responses after 3 resamples): p1"), r.summary());
    }

    @Test
    void kMustBeRankable() {
        Fake fake = new Fake(r -> "x" + r.seed());
        assertThrows(IllegalArgumentException.class, () -> CandidateSampling.sample(fake, PROMPTS, 1, 1.0, 0, "ck"));
        assertThrows(IllegalArgumentException.class, () -> CandidateSampling.sample(fake, PROMPTS, 10, 1.0, 0, "ck"));
    }

    @Test
    void aRealPolicyGivesAValidCandidatesFile() throws Exception {
        Nd4jDefaults.apply();
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 48, 16, 1, 2);
        Policy policy = new Policy(c, new ByteTokenizer(), GptWeights.init(c, 3, DataType.FLOAT));
        SamplingConfig cfg = SamplingConfig.sample(1.0, 6);
        CandidateSampling.Result r = CandidateSampling.sample(policy, PROMPTS.subList(0, 2), 3, cfg, 7, "tiny");
        assertEquals(2, r.candidates().size() + r.dropped().size());
        Path out = dir.resolve("candidates.jsonl");
        JsonlWriter.write(out, r.candidates());
        assertEquals(r.candidates(), DataFiles.loadCandidates(out.toString()));
        // a response can be sampled again alone from its recorded seed
        Candidates first = r.candidates().get(0);
        Generator.Result again = policy.generate(List.of(policy.chat().renderPrompt(first.prompt())), cfg,
                new long[] {first.sources().get(2).seed()});
        assertEquals(first.responses().get(2), policy.tokenizer().decode(again.tokens().get(0)));
        assertThrows(IllegalArgumentException.class, () -> CandidateSampling.sample(policy, PROMPTS, 3, SamplingConfig.greedy(4), 0, "x"));
        assertNotEquals(first.responses().get(0), first.responses().get(1));
    }
}
