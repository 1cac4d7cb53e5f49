package org.rlhf4j.data.annotate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.generate.Generator;
import org.rlhf4j.policy.generate.SamplingConfig;

/**
 * K sampled responses per prompt, ready to rank (InstructGPT's comparison data collection: K outputs of the current
 * models per prompt, ranked by a labeller). Rows are sampled in batches, each with its own seed derived from the run
 * seed, the prompt's index, the response slot and the attempt, so a response does not depend on how rows were
 * batched and can be sampled again alone from its recorded seed.
 *
 * <p>The K responses of a prompt must be distinct and non-empty (a ranking of two identical texts says nothing). A
 * slot whose response is empty or repeats an earlier one is sampled again, up to {@link #MAX_RESAMPLES} times; a
 * prompt still short of K distinct responses then is dropped and reported.
 */
public final class CandidateSampling {
    /** How often one slot is sampled again before its prompt is dropped. */
    public static final int MAX_RESAMPLES = 3;
    /** Rows (prompt × slot) per generation batch. */
    public static final int BATCH_ROWS = 32;

    private CandidateSampling() {}

    /**
     * One response to sample.
     *
     * @param prompt index of the prompt in the list being sampled
     * @param slot   which of its K responses (0..K-1)
     * @param seed   the row's sampling seed
     */
    public record Row(int prompt, int slot, long seed) {}

    /** One sampled response: its text (special tokens removed) and whether it ended with end-of-sequence. */
    public record Sampled(String text, boolean eos) {}

    /** Samples one batch of rows; returns one response per row, in order. */
    @FunctionalInterface
    public interface Sampler {
        List<Sampled> sample(List<PromptRecord> prompts, List<Row> rows);
    }

    /**
     * @param candidates the prompts that got K distinct responses, in prompt order
     * @param dropped    ids of the prompts that did not, after {@link #MAX_RESAMPLES} resamples of each bad slot
     * @param resampled  how many rows were sampled again (empty or duplicate responses)
     */
    public record Result(List<Candidates> candidates, List<String> dropped, int resampled) {
        public Result {
            candidates = List.copyOf(candidates);
            dropped = List.copyOf(dropped);
        }

        /** One line for the command line. */
        public String summary() {
            int k = candidates.isEmpty() ? 0 : candidates.get(0).k();
            String s = candidates.size() + " prompts with " + k + " distinct responses each; " + resampled
                    + " responses resampled (empty or duplicate); " + dropped.size() + " prompts dropped";
            return dropped.isEmpty() ? s : s + " (no " + k + " distinct non-empty responses after " + MAX_RESAMPLES
                    + " resamples): " + String.join(", ", dropped.subList(0, Math.min(20, dropped.size())))
                    + (dropped.size() > 20 ? ", ..." : "");
        }
    }

    /**
     * Samples K responses per prompt from {@code policy}.
     *
     * @param checkpoint what to record as each response's source checkpoint (the directory as the user named it)
     */
    public static Result sample(Policy policy, List<PromptRecord> prompts, int k, SamplingConfig cfg, long seed, String checkpoint) {
        if (cfg.greedy()) throw new IllegalArgumentException("greedy decoding gives K identical responses; sample with a temperature");
        return sample(policySampler(policy, cfg), prompts, k, cfg.temperature(), seed, checkpoint);
    }

    /** Generates a batch of rows with {@code policy}: chat-template prompts, one seed per row. */
    public static Sampler policySampler(Policy policy, SamplingConfig cfg) {
        return (prompts, rows) -> {
            List<int[]> ids = new ArrayList<>();
            long[] seeds = new long[rows.size()];
            for (int r = 0; r < rows.size(); r++) {
                ids.add(policy.chat().renderPrompt(prompts.get(rows.get(r).prompt()).prompt()));
                seeds[r] = rows.get(r).seed();
            }
            Generator.Result g = policy.generate(ids, cfg, seeds);
            List<Sampled> out = new ArrayList<>();
            for (int r = 0; r < rows.size(); r++) out.add(new Sampled(policy.tokenizer().decode(g.tokens().get(r)), g.endedWithEos(r)));
            return out;
        };
    }

    /** The sampling loop with any {@link Sampler}: sample every slot, then resample bad slots, then keep or drop. */
    public static Result sample(Sampler sampler, List<PromptRecord> prompts, int k, double temperature, long seed, String checkpoint) {
        if (k < Ranking.MIN_K || k > Ranking.MAX_K)
            throw new IllegalArgumentException("k must be between " + Ranking.MIN_K + " and " + Ranking.MAX_K + ", got " + k);
        int n = prompts.size();
        Sampled[][] got = new Sampled[n][k];
        long[][] seeds = new long[n][k];
        // 1. every slot of every prompt, attempt 0
        List<Row> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) pending.add(row(seed, i, j, k, 0));
        int resampled = 0;
        for (int attempt = 0; ; attempt++) {
            // 2. sample the pending rows in batches
            for (int from = 0; from < pending.size(); from += BATCH_ROWS) {
                List<Row> batch = pending.subList(from, Math.min(pending.size(), from + BATCH_ROWS));
                List<Sampled> out = sampler.sample(prompts, batch);
                for (int r = 0; r < batch.size(); r++) {
                    Row row = batch.get(r);
                    got[row.prompt()][row.slot()] = out.get(r);
                    seeds[row.prompt()][row.slot()] = row.seed();
                }
            }
            // 3. empty or repeated responses are sampled again, a few times at most
            List<Row> bad = new ArrayList<>();
            for (int i = 0; i < n; i++) for (int j : badSlots(got[i])) bad.add(row(seed, i, j, k, attempt + 1));
            if (bad.isEmpty() || attempt == MAX_RESAMPLES) break;
            resampled += bad.size();
            pending = bad;
        }
        // 4. keep the prompts with K distinct responses; drop and report the rest
        List<Candidates> kept = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PromptRecord p = prompts.get(i);
            if (!badSlots(got[i]).isEmpty()) {
                dropped.add(p.id());
                continue;
            }
            List<String> texts = new ArrayList<>();
            List<Boolean> eos = new ArrayList<>();
            List<ResponseSource> sources = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                texts.add(got[i][j].text());
                eos.add(got[i][j].eos());
                sources.add(new ResponseSource(checkpoint, temperature, seeds[i][j]));
            }
            kept.add(new Candidates(p.id(), p.prompt(), p.family(), p.split(), p.gold(), texts, eos, sources));
        }
        return new Result(kept, dropped, resampled);
    }

    /** The seed of one (prompt, slot, attempt): distinct for every triple, whatever the batching. */
    static Row row(long seed, int prompt, int slot, int k, int attempt) {
        long index = ((long) prompt * k + slot) * (MAX_RESAMPLES + 1) + attempt;
        return new Row(prompt, slot, Generator.rowSeed(seed, index));
    }

    /** Slots whose response is blank or repeats an earlier slot's. */
    static List<Integer> badSlots(Sampled[] responses) {
        List<Integer> bad = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < responses.length; j++) {
            String t = responses[j].text();
            if (t.isBlank() || !seen.add(t)) bad.add(j);
        }
        return bad;
    }
}
