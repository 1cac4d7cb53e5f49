package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.rlhf4j.data.format.ClozeItem;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.GoldEval;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.world.AnnotatorPool;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.data.world.Judgement;
import org.rlhf4j.data.world.RealWords;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.generate.SamplingConfig;
import org.rlhf4j.policy.train.Progress;

/**
 * {@code ./rlhf4j eval}: every policy (base, SFT, PPO, PPO-ptx, …) and best-of-n from SFT reranked by the reward model,
 * measured on held-out prompts and held-out text, in numbered steps:
 * <ol>
 *   <li>sample {@code samples_per_prompt} responses per prompt (default one) from each policy (same sampling, same
 *       seeds);</li>
 *   <li>judge them: gold score per family, win rate against an independent SFT sample judged by the simulated annotator
 *       pool, reward-model score, Monte-Carlo KL to SFT, length;</li>
 *   <li>best-of-n from SFT for each n (analytic KL = log n − (n−1)/n);</li>
 *   <li>the alignment tax: held-out pretraining perplexity and cloze accuracy;</li>
 *   <li>pass@k (unbiased estimator) on the arithmetic prompts, and pass@1 of mean-log-prob reranking (Codex).</li>
 * </ol>
 */
public final class Evaluate {
    static final ObjectMapper JSON = new ObjectMapper();

    private Evaluate() {}

    /** A policy to evaluate. */
    public record Entry(String name, Path checkpoint) {}

    /** One policy's (or best-of-n's) judged responses and figures. */
    public record Result(String name, List<Rollouts.Sample> samples, GoldEval.Report gold, double winRate, double rmScore,
                         double klToSft, Double pretrainPpl, Double clozeAccuracy, Map<Integer, Double> passAtK, Double passAt1MeanLogprob) {
        /**
         * Standard error of the mean gold score, over prompts: with several responses per prompt (listed prompt by
         * prompt) each prompt's mean is one observation, since responses to one prompt are not independent.
         */
        public double goldStandardError() {
            int prompts = 0;
            for (int i = 0; i < samples.size(); i++) if (i == 0 || samples.get(i).prompt() != samples.get(i - 1).prompt()) prompts++;
            return EvalMath.standardError(EvalMath.perPromptMeans(goldScores(this), Math.max(1, prompts)));
        }

        /** Fraction of the responses' words found in the embedded corpus or demonstrations ({@link RealWords}). */
        public double realWordRate() {
            return RealWords.embedded().rate(samples.stream().map(Rollouts.Sample::text).toList());
        }

        public double winRateStandardError() {
            return EvalMath.winRateStandardError(winRate, samples.size());
        }

        ObjectNode toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("name", name);
            o.set("gold", gold.toJson());
            o.put("gold_standard_error", goldStandardError());
            o.put("win_rate_vs_sft", winRate);
            o.put("win_rate_standard_error", winRateStandardError());
            o.put("rm_score", rmScore);
            o.put("kl_to_sft", klToSft);
            o.put("mean_response_tokens", gold.meanLength());
            o.put("real_word_rate", realWordRate());
            if (pretrainPpl != null) o.put("pretrain_ppl", pretrainPpl);
            if (clozeAccuracy != null) o.put("cloze_accuracy", clozeAccuracy);
            if (passAtK != null) {
                ObjectNode p = o.putObject("pass_at_k");
                passAtK.forEach((k, v) -> p.put(String.valueOf(k), v));
                o.put("pass_at_1_mean_logprob_rerank", passAt1MeanLogprob);
            }
            return o;
        }
    }

    /** Everything the report needs. */
    public record Outcome(List<Result> results, List<PromptRecord> prompts, ObjectNode summary) {}

    public static Outcome run(EvalConfig c, List<Entry> policies, Path sftCheckpoint, Path rewardModel) throws IOException {
        // 0. data and fixed models, all validated before any work
        List<PromptRecord> prompts = DataFiles.loadPrompts(c.prompts());
        if (c.promptLimit() > 0 && prompts.size() > c.promptLimit()) prompts = prompts.subList(0, c.promptLimit());
        List<PretrainDoc> docs = DataFiles.loadPretrain(c.pretrainTest());
        docs = docs.subList(0, Math.min(c.pretrainDocs(), docs.size()));
        List<ClozeItem> cloze = DataFiles.loadCloze(c.cloze());
        cloze = cloze.subList(0, Math.min(c.clozeItems(), cloze.size()));
        Policy sft = Checkpoint.loadPolicy(sftCheckpoint);
        Policy rm = Checkpoint.loadPolicy(rewardModel);
        GoldJudge judge = GoldJudge.load();
        AnnotatorPool pool = AnnotatorPool.defaultPool();
        SamplingConfig sampling = c.sampling().sampling();
        List<PromptRecord> arithmetic = prompts.stream().filter(p -> "arithmetic".equals(p.family())).toList();

        List<Result> results = new ArrayList<>();
        Map<Integer, Long> bestOfNTokens = new LinkedHashMap<>();
        // each prompt samplesPerPrompt times in a row: sample j of the judged list answers prompt j / samplesPerPrompt
        int m = c.samplesPerPrompt();
        List<PromptRecord> judged = new ArrayList<>();
        for (PromptRecord pr : prompts) for (int j = 0; j < m; j++) judged.add(pr);
        try (Progress bar = new Progress("eval", policies.size() + 1)) {
            // the comparison baseline for win rates: an independent SFT sample per judged response
            List<Rollouts.Sample> baseline = Rollouts.sample(sft, judged, sampling, c.seed() ^ 0x5EEDL, 32);
            int done = 0;
            // 1-2, 4-5. every policy
            for (Entry e : policies) {
                Policy p = Checkpoint.loadPolicy(e.checkpoint());
                List<Rollouts.Sample> samples = Rollouts.sample(p, judged, sampling, c.seed(), 32);
                Map<Integer, Double> passAtK = new LinkedHashMap<>();
                double rerank = passAtK(p, arithmetic, c, sampling, judge, passAtK);
                results.add(new Result(e.name(), samples, GoldEval.judge(samples, judge), winRate(samples, baseline, pool, c.seed()),
                        meanRm(rm, samples), sameTokenizer(p, sft) ? klToSft(sft, samples, sampling.temperature()) : Double.NaN, perplexity(p, docs), clozeAccuracy(p, cloze),
                        arithmetic.isEmpty() ? null : passAtK, arithmetic.isEmpty() ? null : rerank));
                bar.stepTo(++done, e.name());
            }
            // 3. best-of-n from SFT, reranked by the reward model
            List<Rollouts.Sample> firstBaseline = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) firstBaseline.add(baseline.get(i * m));
            results.addAll(bestOfN(sft, rm, prompts, c, sampling, judge, pool, firstBaseline, bestOfNTokens));
            bar.stepTo(++done, "best-of-n");
        }

        ObjectNode summary = JSON.createObjectNode();
        summary.put("prompts", c.prompts());
        summary.put("prompt_count", prompts.size());
        summary.put("arithmetic_prompts", arithmetic.size());
        summary.put("pretrain_docs", docs.size());
        summary.put("cloze_items", cloze.size());
        summary.put("report_samples", c.reportSamples());
        summary.put("samples_per_prompt", m);
        ObjectNode bon = summary.putObject("best_of_n_generated_tokens");
        bestOfNTokens.forEach((n, t) -> bon.put(String.valueOf(n), t));
        Map<String, double[]> paired = goldVsSft(results, prompts.size());
        Map<String, Map<String, double[]>> byFamily = goldVsSftByFamily(results, prompts);
        ArrayNode arr = summary.putArray("policies");
        for (Result r : results) {
            ObjectNode o = r.toJson();
            double[] d = paired.get(r.name());
            if (d != null) o.put("gold_vs_sft", d[0]).put("gold_vs_sft_paired_standard_error", d[1]);
            Map<String, double[]> f = byFamily.get(r.name());
            if (f != null) {
                ObjectNode fo = o.putObject("gold_vs_sft_by_family");
                f.forEach((family, v) -> fo.putObject(family).put("difference", v[0]).put("paired_standard_error", v[1]));
            }
            arr.add(o);
        }
        return new Outcome(results, prompts, summary);
    }

    /**
     * Each policy's mean gold difference to SFT on the same prompts and its paired standard error ({@link
     * EvalMath#pairedDifference} of the per-prompt mean gold scores); empty when there is no "sft" result.
     */
    public static Map<String, double[]> goldVsSft(List<Result> results, int prompts) {
        Map<String, double[]> out = new LinkedHashMap<>();
        Result sft = results.stream().filter(r -> r.name().equals("sft")).findFirst().orElse(null);
        if (sft == null) return out;
        double[] base = EvalMath.perPromptMeans(goldScores(sft), prompts);
        for (Result r : results) out.put(r.name(), EvalMath.pairedDifference(EvalMath.perPromptMeans(goldScores(r), prompts), base));
        return out;
    }

    /** {@link #goldVsSft} within each task family: policy → family → {difference, paired standard error}. */
    public static Map<String, Map<String, double[]>> goldVsSftByFamily(List<Result> results, List<PromptRecord> prompts) {
        Map<String, Map<String, double[]>> out = new LinkedHashMap<>();
        Result sft = results.stream().filter(r -> r.name().equals("sft")).findFirst().orElse(null);
        if (sft == null) return out;
        String[] family = new String[prompts.size()];
        for (int i = 0; i < family.length; i++) family[i] = String.valueOf(prompts.get(i).family());
        double[] base = EvalMath.perPromptMeans(goldScores(sft), prompts.size());
        for (Result r : results)
            out.put(r.name(), EvalMath.pairedDifferenceByGroup(EvalMath.perPromptMeans(goldScores(r), prompts.size()), base, family));
        return out;
    }

    static double[] goldScores(Result r) {
        double[] x = new double[r.gold().judged().size()];
        for (int i = 0; i < x.length; i++) x[i] = r.gold().judged().get(i).judgement().score();
        return x;
    }

    static double meanRm(Policy rm, List<Rollouts.Sample> samples) {
        List<int[]> seqs = new ArrayList<>();
        for (Rollouts.Sample s : samples) seqs.add(rm.chat().renderExchange(s.prompt().prompt(), s.text()).ids());
        float[] r = rm.score(seqs, 1.0, false, true).lastReward();
        double sum = 0;
        for (float v : r) sum += v;
        return sum / Math.max(1, r.length);
    }

    static float[] rmScores(Policy rm, List<Rollouts.Sample> samples) {
        List<int[]> seqs = new ArrayList<>();
        for (Rollouts.Sample s : samples) seqs.add(rm.chat().renderExchange(s.prompt().prompt(), s.text()).ids());
        return rm.score(seqs, 1.0, false, true).lastReward();
    }

    /** Whether two policies read the same ids (KL between them is defined token by token only then). */
    static boolean sameTokenizer(Policy a, Policy b) {
        return a.tokenizer().spec().equals(b.tokenizer().spec());
    }

    /** Mean over prompts of Σ_t [log π(y_t) − log π_SFT(y_t)] over the sampled response tokens (a Monte-Carlo KL). */
    static double klToSft(Policy sft, List<Rollouts.Sample> samples, double temperature) {
        List<int[]> seqs = new ArrayList<>();
        for (Rollouts.Sample s : samples) seqs.add(concat(s.promptIds(), s.responseIds()));
        List<float[]> ref = sft.score(seqs, temperature, false, false).tokenLogprobs();
        double total = 0;
        for (int i = 0; i < samples.size(); i++) {
            Rollouts.Sample s = samples.get(i);
            int start = s.promptIds().length - 1;
            for (int t = 0; t < s.responseIds().length; t++) total += s.logprobs()[t] - ref.get(i)[start + t];
        }
        return total / Math.max(1, samples.size());
    }

    static double winRate(List<Rollouts.Sample> samples, List<Rollouts.Sample> baseline, AnnotatorPool pool, long seed) {
        int wins = 0, ties = 0;
        for (double o : outcomes(samples, baseline, pool, seed)) {
            if (o == 1) wins++;
            else if (o == 0.5) ties++;
        }
        return EvalMath.winRate(wins, ties, samples.size());
    }

    /**
     * Each sample against the baseline sample at the same index, judged by the pool: 1 if it wins, 0 if it loses, 0.5
     * when the two are the same response (the pool is not asked then).
     */
    static double[] outcomes(List<Rollouts.Sample> samples, List<Rollouts.Sample> baseline, AnnotatorPool pool, long seed) {
        Random rng = new Random(seed);
        double[] out = new double[samples.size()];
        for (int i = 0; i < out.length; i++) {
            Rollouts.Sample a = samples.get(i), b = baseline.get(i);
            if (a.text().equals(b.text()) && a.eos() == b.eos()) out[i] = 0.5;
            else out[i] = pool.compare(Rollouts.info(a.prompt()), a.text(), a.eos(), b.text(), b.eos(), rng).firstWins() ? 1 : 0;
        }
        return out;
    }

    /** exp(mean NLL per token) of BOS + text + EOS, windows cut to the model's context. */
    static double perplexity(Policy p, List<PretrainDoc> docs) {
        List<int[]> seqs = new ArrayList<>();
        int ctx = p.config().contextLength();
        for (PretrainDoc d : docs) {
            int[] text = p.tokenizer().encode(d.text());
            int[] ids = new int[text.length + 2];
            ids[0] = p.tokenizer().bos();
            System.arraycopy(text, 0, ids, 1, text.length);
            ids[ids.length - 1] = p.tokenizer().eos();
            for (int from = 0; from < ids.length - 1; from += ctx) seqs.add(java.util.Arrays.copyOfRange(ids, from, Math.min(ids.length, from + ctx)));
        }
        double nll = 0;
        long n = 0;
        for (float[] lp : p.score(seqs, 1.0, false, false).tokenLogprobs()) {
            for (float v : lp) nll -= v;
            n += lp.length;
        }
        return Math.exp(nll / Math.max(1, n));
    }

    /** Fraction of cloze items where the right word gives the most likely sentence (sum of log-probs after BOS). */
    static double clozeAccuracy(Policy p, List<ClozeItem> items) {
        int right = 0;
        for (ClozeItem it : items) {
            List<int[]> seqs = new ArrayList<>();
            for (int i = 0; i < it.candidates().size(); i++) {
                int[] text = p.tokenizer().encode(it.filled(i));
                int[] ids = new int[Math.min(text.length + 1, p.config().contextLength())];
                ids[0] = p.tokenizer().bos();
                System.arraycopy(text, 0, ids, 1, ids.length - 1);
                seqs.add(ids);
            }
            List<float[]> lps = p.score(seqs, 1.0, false, false).tokenLogprobs();
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < lps.size(); i++) {
                double s = 0;
                for (float v : lps.get(i)) s += v;
                if (s > bestScore) {
                    bestScore = s;
                    best = i;
                }
            }
            if (best == it.answer()) right++;
        }
        return items.isEmpty() ? Double.NaN : (double) right / items.size();
    }

    /**
     * pass@k over the arithmetic prompts (n samples each, c judged exactly correct), filled into {@code out}; returns
     * the accuracy of choosing, per prompt, the sample with the highest mean token log-prob.
     */
    static double passAtK(Policy p, List<PromptRecord> arithmetic, EvalConfig c, SamplingConfig sampling, GoldJudge judge, Map<Integer, Double> out) {
        if (arithmetic.isEmpty()) return Double.NaN;
        int n = c.passAtKSamples();
        List<PromptRecord> repeated = new ArrayList<>();
        for (PromptRecord pr : arithmetic) for (int j = 0; j < n; j++) repeated.add(pr);
        List<Rollouts.Sample> s = Rollouts.sample(p, repeated, sampling, c.seed() + 1, 32);
        double rerankRight = 0;
        for (int k : c.passAtK()) out.put(k, 0.0);
        for (int i = 0; i < arithmetic.size(); i++) {
            int correct = 0, best = -1;
            double bestMean = Double.NEGATIVE_INFINITY;
            boolean[] right = new boolean[n];
            for (int j = 0; j < n; j++) {
                Rollouts.Sample x = s.get(i * n + j);
                Judgement jd = judge.score(Rollouts.info(x.prompt()), x.text(), x.eos());
                right[j] = jd.criteria().getOrDefault("correct", 0.0) >= 1.0;
                if (right[j]) correct++;
                double mean = 0;
                for (float v : x.logprobs()) mean += v;
                mean /= Math.max(1, x.logprobs().length);
                if (mean > bestMean) {
                    bestMean = mean;
                    best = j;
                }
            }
            for (int k : c.passAtK()) out.merge(k, EvalMath.passAtK(n, correct, k) / arithmetic.size(), Double::sum);
            if (right[best]) rerankRight++;
        }
        return rerankRight / arithmetic.size();
    }

    static List<Result> bestOfN(Policy sft, Policy rm, List<PromptRecord> prompts, EvalConfig c, SamplingConfig sampling, GoldJudge judge,
                                AnnotatorPool pool, List<Rollouts.Sample> baseline, Map<Integer, Long> generatedTokens) {
        int maxN = c.maxN();
        List<PromptRecord> repeated = new ArrayList<>();
        for (PromptRecord pr : prompts) for (int j = 0; j < maxN; j++) repeated.add(pr);
        List<Rollouts.Sample> all = Rollouts.sample(sft, repeated, sampling, c.seed() + 2, 32);
        float[] scores = rmScores(rm, all);
        List<Result> out = new ArrayList<>();
        for (int n : c.bestOfN()) {
            List<Rollouts.Sample> chosen = new ArrayList<>();
            double rmSum = 0;
            long generated = 0;
            for (int i = 0; i < prompts.size(); i++) {
                for (int j = 0; j < n; j++) generated += all.get(i * maxN + j).responseIds().length;
                int best = i * maxN;
                for (int j = 1; j < n; j++) if (scores[i * maxN + j] > scores[best]) best = i * maxN + j;
                chosen.add(all.get(best));
                rmSum += scores[best];
            }
            generatedTokens.put(n, generated);
            out.add(new Result("best-of-" + n, chosen, GoldEval.judge(chosen, judge), winRate(chosen, baseline, pool, c.seed()),
                    rmSum / prompts.size(), EvalMath.bestOfNKl(n), null, null, null, null));
        }
        return out;
    }

    static int[] concat(int[] a, int[] b) {
        int[] r = new int[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
