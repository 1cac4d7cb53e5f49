package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.GoldEval;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.world.AnnotatorPool;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.generate.SamplingConfig;
import org.rlhf4j.ppo.PpoTrainer;

/**
 * InstructGPT's headline findings, and Gao et al.'s over-optimisation curves, measured on a run that configures
 * {@code findings} ({@code configs/instructgpt.json}). Each finding is one object in the evaluation's summary.json
 * ({@code findings}: id, title, figure, standard_error, held, sentence, and its details) and one table in the report:
 * <ol>
 *   <li>the reward model's held-out accuracy against the annotators' mutual agreement on the same responses;</li>
 *   <li>PPO against SFT on held-out gold (paired), and PPO-ptx against PPO on gold and on the pretraining tax;</li>
 *   <li>small beats big: PPO on the shipped model against SFT on a model with several times its parameters, by the
 *       simulated annotators' win rate on the same prompts (paired over prompts);</li>
 *   <li>over-optimisation: gold and proxy against √KL for best-of-n and for PPO snapshots, each gold curve fitted with
 *       its functional form ({@link OverOptimisation}) and its peak located with a bootstrap interval.</li>
 * </ol>
 * "Held" is decided by a stated rule on the measured figures (given in each sentence), never assumed. A run without
 * {@code findings} (the quickstart) still gets the first two, which need no extra stage.
 */
final class Findings {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A difference "holds" when it is at least this many (paired) standard errors from zero. */
    static final double Z = 2.0;

    private Findings() {}

    static ArrayNode measure(EvalConfig c, RunConfig.Findings f, Evaluate.Outcome o, JsonNode context, Path sftDir, Path rmDir,
                             Path overoptDir, Path bigBase, Path base) throws IOException {
        ArrayNode out = JSON.createArrayNode();
        out.add(rewardModel(context.path("reward_summary")));
        out.add(ppoVsSft(o));
        out.add(ptxVsPpo(o));
        if (f == null) return out;
        out.add(smallBeatsBig(c, o, base, bigBase));
        out.add(overoptimisation(c, f, o, sftDir, rmDir, overoptDir));
        return out;
    }

    /** A finding's object; {@code number} is its place in the list of four (PPO-ptx is part of the second). */
    static ObjectNode finding(int number, String id, String title) {
        return JSON.createObjectNode().put("number", number).put("id", id).put("title", title);
    }

    // 1 ------------------------------------------------------------------------------------------------------------
    static ObjectNode rewardModel(JsonNode rm) {
        ObjectNode x = finding(1, "reward_model_vs_agreement", "The reward model reaches the annotators' agreement");
        JsonNode accNode = rm.path("best_validation").path("accuracy_vs_annotators");
        double acc = accNode.path("accuracy").asDouble(Double.NaN);
        long pairs = accNode.path("pairs").asLong(0);
        JsonNode agreeNode = rm.path("annotator_agreement_on_validation");
        double agree = agreeNode.isNumber() ? agreeNode.asDouble() : Double.NaN;
        double se = pairs > 0 ? Math.sqrt(acc * (1 - acc) / pairs) : Double.NaN;
        boolean held = acc >= agree;
        x.put("figure", acc).put("standard_error", se).put("comparison", agree).put("pairs", pairs).put("held", held);
        x.put("sentence", String.format("Held-out pairwise accuracy %.1f %% ± %.1f (binomial s.e. over %d pairs; pairs of one prompt are not independent,"
                + " so this understates it) against the annotators' mutual agreement of %.1f %% on the same responses (InstructGPT: 72.6 %%); %s.",
                100 * acc, 100 * se, pairs, 100 * agree, held ? "held: the accuracy reaches the agreement" : "did not hold: the accuracy is below the agreement"));
        return x;
    }

    // 2 ------------------------------------------------------------------------------------------------------------
    static ObjectNode ppoVsSft(Evaluate.Outcome o) {
        ObjectNode x = finding(2, "ppo_vs_sft", "PPO beats SFT on held-out gold");
        double[] d = Evaluate.goldVsSft(o.results(), o.prompts().size()).get("ppo");
        boolean held = d != null && d[0] >= Z * d[1];
        x.put("figure", d == null ? Double.NaN : d[0]).put("standard_error", d == null ? Double.NaN : d[1]).put("held", held);
        Evaluate.Result bo16 = result(o, "best-of-16"), ppo = result(o, "ppo");
        String vsBon = "";
        if (bo16 != null && ppo != null) {
            double[] vs = paired(o, ppo, bo16);
            x.put("ppo_minus_best_of_16", vs[0]).put("ppo_minus_best_of_16_standard_error", vs[1]);
            vsBon = String.format(" Against best-of-16 from SFT: %+.3f ± %.3f (paired).", vs[0], vs[1]);
        }
        Evaluate.Result sft = result(o, "sft");
        String words = "";
        if (sft != null && ppo != null) {
            x.put("real_word_rate_sft", sft.realWordRate()).put("real_word_rate_ppo", ppo.realWordRate());
            words = String.format(" Real-word rate: SFT %.1f %%, PPO %.1f %%.", 100 * sft.realWordRate(), 100 * ppo.realWordRate());
        }
        x.put("sentence", d == null ? "not measured: no ppo or sft policy" : String.format(
                "PPO − SFT held-out gold = %+.3f ± %.3f (paired over %d prompts, z = %.1f); %s (rule: at least %.0f paired s.e.).%s%s",
                d[0], d[1], o.prompts().size(), d[0] / d[1], held ? "held" : "did not hold", Z, vsBon, words));
        return x;
    }

    static ObjectNode ptxVsPpo(Evaluate.Outcome o) {
        ObjectNode x = finding(2, "ptx_vs_ppo", "PPO-ptx keeps PPO's gain and removes the pretraining tax");
        Evaluate.Result sft = result(o, "sft"), ppo = result(o, "ppo"), ptx = result(o, "ppo-ptx");
        if (sft == null || ppo == null || ptx == null) return x.put("held", false).put("sentence", "not measured: sft, ppo or ppo-ptx missing");
        double[] gap = paired(o, ptx, ppo);
        double gainPpo = ppo.gold().mean() - sft.gold().mean(), gainPtx = ptx.gold().mean() - sft.gold().mean();
        double kept = gainPtx / gainPpo;
        boolean taxGone = ptx.pretrainPpl() != null && ptx.pretrainPpl() <= sft.pretrainPpl();
        boolean held = gainPpo > 0 && kept >= 0.75 && taxGone;
        x.put("figure", gap[0]).put("standard_error", gap[1]).put("gain_kept", kept).put("ppl_sft", sft.pretrainPpl())
                .put("ppl_ppo", ppo.pretrainPpl()).put("ppl_ppo_ptx", ptx.pretrainPpl()).put("held", held);
        String keptText = gainPpo > 0 ? String.format("PPO-ptx keeps %.0f %% of PPO's gain over SFT (%+.3f of %+.3f)", 100 * kept, gainPtx, gainPpo)
                : String.format("PPO gained nothing over SFT to keep (%+.3f; PPO-ptx %+.3f)", gainPpo, gainPtx);
        x.put("sentence", String.format("PPO-ptx − PPO gold = %+.3f ± %.3f (paired); %s; "
                        + "pretraining perplexity SFT %.3f, PPO %.3f, PPO-ptx %.3f; %s (rule: PPO gains, PPO-ptx keeps >= 75 %% of it, and its perplexity <= SFT's).",
                gap[0], gap[1], keptText, sft.pretrainPpl(), ppo.pretrainPpl(), ptx.pretrainPpl(), held ? "held" : "did not hold"));
        return x;
    }

    // 3 ------------------------------------------------------------------------------------------------------------
    static ObjectNode smallBeatsBig(EvalConfig c, Evaluate.Outcome o, Path base, Path bigBase) throws IOException {
        ObjectNode x = finding(3, "small_beats_big", "PPO on the shipped model is preferred to SFT on a bigger model");
        Evaluate.Result ppo = result(o, "ppo"), big = result(o, RunConfig.Findings.SFT_BIG);
        if (ppo == null || big == null) return x.put("held", false).put("sentence", "not measured: ppo or sft-big missing");
        long small = Checkpoint.loadPolicy(base).config().parameterCount(), large = Checkpoint.loadPolicy(bigBase).config().parameterCount();
        double[] w = headToHead(ppo.samples(), big.samples(), o.prompts().size(), AnnotatorPool.defaultPool(), c.seed() ^ 0xB16L);
        boolean held = w[0] - 0.5 >= Z * w[1];
        x.put("figure", w[0]).put("standard_error", w[1]).put("parameters_small", small).put("parameters_big", large)
                .put("parameter_ratio", (double) large / small).put("held", held);
        x.put("sentence", String.format("The simulated annotators prefer PPO (%,d parameters) to SFT on the %.1f× larger model (%,d) in %.1f %% ± %.1f of"
                        + " head-to-head comparisons (ties half; s.e. paired over %d prompts); %s (rule: above 50 %% by %.0f s.e.).",
                small, (double) large / small, large, 100 * w[0], 100 * w[1], o.prompts().size(), held ? "held" : "did not hold", Z));
        return x;
    }

    /**
     * The win rate of a over b judged by the pool on the same judged list (a tie, or the same text, counts half), and
     * its standard error over prompts: each prompt's mean over its samples is one observation.
     */
    static double[] headToHead(List<Rollouts.Sample> a, List<Rollouts.Sample> b, int prompts, AnnotatorPool pool, long seed) {
        double[] per = EvalMath.perPromptMeans(Evaluate.outcomes(a, b, pool, seed), prompts);
        double mean = 0;
        for (double v : per) mean += v;
        return new double[] {mean / per.length, EvalMath.standardError(per)};
    }

    // 4 ------------------------------------------------------------------------------------------------------------
    static ObjectNode overoptimisation(EvalConfig c, RunConfig.Findings f, Evaluate.Outcome o, Path sftDir, Path rmDir, Path overoptDir) throws IOException {
        ObjectNode x = finding(4, "overoptimisation", "Gold against √KL follows Gao et al.'s forms and peaks");
        int prompts = o.prompts().size();
        // best-of-n: one response per prompt at each n; d = √(log n − (n−1)/n); the d = 0 point is best-of-1
        List<Evaluate.Result> bon = o.results().stream().filter(r -> r.name().startsWith("best-of-")).toList();
        Evaluate.Result one = result(o, "best-of-1");
        ArrayNode bonPts = x.putArray("best_of_n");
        double[] bd = new double[bon.size()];
        double[][] bg = new double[bon.size()][];
        for (int i = 0; i < bon.size(); i++) {
            Evaluate.Result r = bon.get(i);
            bd[i] = Math.sqrt(Math.max(0, r.klToSft()));
            bg[i] = EvalMath.perPromptMeans(Evaluate.goldScores(r), prompts);
            bonPts.addObject().put("n", Integer.parseInt(r.name().substring("best-of-".length()))).put("sqrt_kl", bd[i])
                    .put("gold", r.gold().mean()).put("proxy", r.rmScore());
        }
        OverOptimisation.Fit bonFit = one == null || bon.size() < 3 ? null
                : tryFit(x, "best_of_n_fit_error", OverOptimisation.Form.BEST_OF_N, bd, bg, EvalMath.perPromptMeans(Evaluate.goldScores(one), prompts), f.bootstrap(), c.seed());
        // PPO snapshots: each sampled on the same judged prompts as SFT (same seed), gold, proxy and Monte-Carlo KL
        Evaluate.Result sft = result(o, "sft");
        List<Path> snaps;
        try (Stream<Path> s = Files.list(overoptDir.resolve(PpoTrainer.SNAPSHOTS))) {
            snaps = s.filter(Files::isDirectory).sorted().toList();
        }
        Policy sftPolicy = Checkpoint.loadPolicy(sftDir), rm = Checkpoint.loadPolicy(rmDir);
        GoldJudge judge = GoldJudge.load();
        SamplingConfig sampling = c.sampling().sampling();
        List<PromptRecord> judged = new ArrayList<>();
        for (PromptRecord pr : o.prompts()) for (int j = 0; j < c.samplesPerPrompt(); j++) judged.add(pr);
        ArrayNode rlPts = x.putArray("ppo_snapshots");
        int n = snaps.size() + 1;
        double[] rd = new double[n];
        double[][] rg = new double[n][];
        double[] sftGold = EvalMath.perPromptMeans(Evaluate.goldScores(sft), prompts);
        rd[0] = 0;
        rg[0] = sftGold;
        rlPts.addObject().put("iteration", 0).put("sqrt_kl", 0.0).put("kl", 0.0).put("gold", sft.gold().mean()).put("proxy", sft.rmScore());
        for (int i = 0; i < snaps.size(); i++) {
            Policy p = Checkpoint.loadPolicy(snaps.get(i));
            List<Rollouts.Sample> samples = Rollouts.sample(p, judged, sampling, c.seed(), 32);
            GoldEval.Report g = GoldEval.judge(samples, judge);
            double kl = Evaluate.klToSft(sftPolicy, samples, sampling.temperature());
            float[] proxy = Evaluate.rmScores(rm, samples);
            double pm = 0;
            for (float v : proxy) pm += v;
            rd[i + 1] = Math.sqrt(Math.max(0, kl));
            double[] scores = new double[g.judged().size()];
            for (int k = 0; k < scores.length; k++) scores[k] = g.judged().get(k).judgement().score();
            rg[i + 1] = EvalMath.perPromptMeans(scores, prompts);
            String name = snaps.get(i).getFileName().toString();
            rlPts.addObject().put("iteration", Integer.parseInt(name.substring(name.indexOf('-') + 1))).put("sqrt_kl", rd[i + 1]).put("kl", kl)
                    .put("gold", g.mean()).put("proxy", pm / Math.max(1, proxy.length)).put("real_word_rate",
                            org.rlhf4j.data.world.RealWords.embedded().rate(samples.stream().map(Rollouts.Sample::text).toList()));
        }
        OverOptimisation.Fit rlFit = snaps.size() < 2 ? null : tryFit(x, "ppo_fit_error", OverOptimisation.Form.RL, rd, rg, sftGold, f.bootstrap(), c.seed() + 1);
        if (bonFit != null) x.set("best_of_n_fit", fitJson(bonFit));
        if (rlFit != null) x.set("ppo_fit", fitJson(rlFit));
        boolean held = rlFit != null && peaked(rlFit) && bonFit != null && peaked(bonFit);
        x.put("held", held);
        OverOptimisation.Fit head = rlFit != null ? rlFit : bonFit;
        x.put("figure", head == null ? Double.NaN : head.peakD());
        x.put("standard_error", Double.NaN);
        x.put("sentence", String.format("Best-of-n (n = 1…%d): %s. PPO (%d snapshots): %s. %s (rule: both fitted curves turn down with a bounded"
                        + " 95 %% bootstrap interval on the peak, inside the measured range of √KL).",
                c.maxN(), describe(bonFit, bd), snaps.size(), describe(rlFit, rd), held ? "Held" : "Did not hold"));
        return x;
    }

    /** The fit, or null with the reason recorded under {@code errorKey} (points that cannot determine both coefficients). */
    static OverOptimisation.Fit tryFit(ObjectNode x, String errorKey, OverOptimisation.Form form, double[] d, double[][] gold, double[] base, int reps, long seed) {
        try {
            return OverOptimisation.fitWithInterval(form, d, gold, base, reps, seed);
        } catch (IllegalArgumentException e) {
            x.put(errorKey, e.getMessage());
            return null;
        }
    }

    static boolean peaked(OverOptimisation.Fit f) {
        return f.beta() > 0 && Double.isFinite(f.peakHigh()) && f.peakLow() > 0;
    }

    static String describe(OverOptimisation.Fit f, double[] d) {
        if (f == null) return "no fit (too few points, or points that cannot determine both coefficients)";
        double max = 0;
        for (double v : d) max = Math.max(max, v);
        String peak = Double.isFinite(f.peakD()) ? String.format("gold peaks at √KL = %.2f [%.2f, %s] with a gain of %+.3f", f.peakD(), f.peakLow(),
                Double.isFinite(f.peakHigh()) ? String.format("%.2f", f.peakHigh()) : "∞", f.peakGain()) : "the fitted gold never turns down";
        return String.format("α = %.3f, β = %.3f, rms residual %.4f; %s (measured up to √KL = %.2f)", f.alpha(), f.beta(), f.rmse(), peak, max);
    }

    static ObjectNode fitJson(OverOptimisation.Fit f) {
        ObjectNode o = JSON.createObjectNode().put("form", f.form() == OverOptimisation.Form.BEST_OF_N ? "d(α − β d)" : "d(α − β ln d)")
                .put("alpha", f.alpha()).put("beta", f.beta()).put("rmse", f.rmse());
        putFinite(o, "peak_sqrt_kl", f.peakD());
        putFinite(o, "peak_low", f.peakLow());
        putFinite(o, "peak_high", f.peakHigh());
        putFinite(o, "peak_gain", f.peakGain());
        return o;
    }

    /** JSON has no infinity: an unbounded value is written as null. */
    static void putFinite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    static Evaluate.Result result(Evaluate.Outcome o, String name) {
        return o.results().stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    /** Mean of a − b over prompts (per-prompt means first) and its paired standard error. */
    static double[] paired(Evaluate.Outcome o, Evaluate.Result a, Evaluate.Result b) {
        int n = o.prompts().size();
        return EvalMath.pairedDifference(EvalMath.perPromptMeans(Evaluate.goldScores(a), n), EvalMath.perPromptMeans(Evaluate.goldScores(b), n));
    }
}
