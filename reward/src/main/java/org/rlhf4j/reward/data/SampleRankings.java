package org.rlhf4j.reward.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.data.world.AnnotatorPool;
import org.rlhf4j.data.world.RankResult;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.generate.Generator;

/**
 * Makes comparison data the way InstructGPT did, with simulated labellers: sample K distinct responses per prompt from
 * a policy ({@link #sample}, what {@code ./rlhf4j annotate sample} calls), then have an annotator drawn from the pool
 * rank them ({@link #rank}, what {@code annotate simulate} calls). {@link #run} does both.
 *
 * <p>Distinctness: Ranking records may not hold two identical (or blank) responses, so each prompt is sampled K times,
 * and the slots lost to duplicates or empty responses are sampled again, up to {@code maxAttempts} rounds; a prompt
 * still short of K distinct responses is dropped and reported, never written. Every response's seed is a function of
 * (seed, prompt index, round, slot) only, so the data do not depend on how prompts are batched.
 */
public final class SampleRankings {
    private SampleRankings() {}

    /** Default rounds of resampling before a prompt is dropped. */
    public static final int DEFAULT_ATTEMPTS = 4;

    /**
     * K distinct responses to one prompt.
     *
     * @param responses the K response texts (decoded, without EOS), in sampling order
     * @param eos       whether each ended with EOS (false: cut at the length limit)
     * @param seeds     the generator seed of each response
     */
    public record Candidates(PromptRecord prompt, List<String> responses, List<Boolean> eos, List<Long> seeds) {}

    /**
     * What sampling produced.
     *
     * @param candidates   one entry per prompt that got K distinct responses, in prompt order
     * @param dropped      prompts that did not (after every round), by id
     * @param resampled    responses drawn again because they repeated another or were empty
     */
    public record Sampled(List<Candidates> candidates, List<String> dropped, int resampled) {}

    /**
     * Samples K distinct responses per prompt.
     *
     * @param batchRows generation rows per call (prompts × slots)
     */
    public static Sampled sample(Policy policy, List<PromptRecord> prompts, int k, SampleConfig cfg, long seed, int batchRows, int maxAttempts) {
        if (k < Ranking.MIN_K || k > Ranking.MAX_K) throw new IllegalArgumentException("K must be in " + Ranking.MIN_K + ".." + Ranking.MAX_K + ", got " + k);
        if (cfg.greedy()) throw new IllegalArgumentException("greedy decoding gives one response per prompt; K distinct responses need sampling");
        if (batchRows < 1 || maxAttempts < 1) throw new IllegalArgumentException("batchRows and maxAttempts must be >= 1");
        int n = prompts.size();
        List<LinkedHashSet<String>> texts = new ArrayList<>();
        List<List<Boolean>> eos = new ArrayList<>();
        List<List<Long>> seeds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add(new LinkedHashSet<>());
            eos.add(new ArrayList<>());
            seeds.add(new ArrayList<>());
        }
        int resampled = 0;
        for (int round = 0; round < maxAttempts; round++) {
            // 1. one generation row per missing response
            List<int[]> rowPrompt = new ArrayList<>();                 // (prompt index, slot)
            for (int i = 0; i < n; i++) for (int j = texts.get(i).size(); j < k; j++) rowPrompt.add(new int[] {i, j});
            if (rowPrompt.isEmpty()) break;
            if (round > 0) resampled += rowPrompt.size();
            // 2. generate in batches, each row with its own seed
            for (int from = 0; from < rowPrompt.size(); from += batchRows) {
                List<int[]> chunk = rowPrompt.subList(from, Math.min(rowPrompt.size(), from + batchRows));
                List<int[]> ids = new ArrayList<>();
                long[] rowSeeds = new long[chunk.size()];
                for (int c = 0; c < chunk.size(); c++) {
                    int[] pj = chunk.get(c);
                    ids.add(policy.chat().renderPrompt(prompts.get(pj[0]).prompt()));
                    rowSeeds[c] = responseSeed(seed, pj[0], round, pj[1]);
                }
                Generator.Result g = policy.generate(ids, cfg.sampling(), rowSeeds);
                // 3. keep a response only if it is non-blank and new for its prompt
                for (int c = 0; c < chunk.size(); c++) {
                    int p = chunk.get(c)[0];
                    String text = policy.tokenizer().decode(g.tokens().get(c));
                    if (text.isBlank() || texts.get(p).size() >= k || !texts.get(p).add(text)) continue;
                    eos.get(p).add(g.endedWithEos(c));
                    seeds.get(p).add(rowSeeds[c]);
                }
            }
        }
        List<Candidates> out = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (texts.get(i).size() == k) out.add(new Candidates(prompts.get(i), List.copyOf(texts.get(i)), eos.get(i), seeds.get(i)));
            else dropped.add(prompts.get(i).id());
        }
        return new Sampled(out, dropped, resampled);
    }

    /** The seed of response slot {@code slot} of prompt {@code promptIndex} in resampling round {@code round}. */
    static long responseSeed(long seed, int promptIndex, int round, int slot) {
        return Generator.rowSeed(Generator.rowSeed(seed, promptIndex), (long) round * 16 + slot);
    }

    /**
     * Has an annotator drawn from {@code pool} rank each prompt's responses. The draw and its noise use a
     * {@link Random} seeded from (seed, prompt index), so each ranking is reproducible on its own.
     *
     * @param checkpoint  recorded in each response's source (the sampling checkpoint's path or name)
     * @param temperature recorded in each response's source
     */
    public static List<Ranking> rank(List<Candidates> candidates, AnnotatorPool pool, String checkpoint, double temperature, long seed) {
        List<Ranking> out = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidates c = candidates.get(i);
            PromptRecord p = c.prompt();
            RankResult r = pool.rank(Rollouts.info(p), c.responses(), c.eos(), new Random(Generator.rowSeed(seed, i)));
            List<ResponseSource> sources = new ArrayList<>();
            for (long s : c.seeds()) sources.add(new ResponseSource(checkpoint, temperature, s));
            out.add(new Ranking(p.id(), p.prompt(), c.responses(), r.ranking(), r.annotator(), p.family(), p.split(), p.gold(), sources, null, c.eos()));
        }
        return out;
    }

    /** Rankings and what was left out. */
    public record Result(List<Ranking> rankings, List<String> dropped, int resampled) {}

    /** Samples and ranks in one go. */
    public static Result run(Policy policy, String checkpoint, List<PromptRecord> prompts, int k, SampleConfig cfg, long seed, AnnotatorPool pool) {
        Sampled s = sample(policy, prompts, k, cfg, seed, 32, DEFAULT_ATTEMPTS);
        return new Result(rank(s.candidates(), pool, checkpoint, cfg.greedy() ? 0 : cfg.temperature(), seed), s.dropped(), s.resampled());
    }

    /** Writes rankings as JSON Lines, atomically (".gz" names are compressed). */
    public static void write(Path file, List<Ranking> rankings) throws IOException {
        JsonlWriter.write(file, rankings);
    }
}
