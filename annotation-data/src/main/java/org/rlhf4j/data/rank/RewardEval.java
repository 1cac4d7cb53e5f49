package org.rlhf4j.data.rank;

import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.LossMode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rlhf4j.data.format.RankedPair;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.data.world.PromptInfo;
import org.rlhf4j.data.world.TaskFamily;

/**
 * Held-out metrics of a reward on rankings, as pure functions of its per-response values (a reward model's score, or
 * DPO's implicit reward β·log π/π_ref):
 * <ul>
 *   <li>pairwise accuracy against the annotators: the share of the C(K,2) ranked pairs with r_w > r_l (a tie counts
 *       half), overall, per task family and per rank distance;</li>
 *   <li>pairwise accuracy against the gold judge: pairs ordered by the gold score of each response (pairs with equal
 *       gold scores are skipped and counted);</li>
 *   <li>a calibration table: each pair oriented by response index (i &lt; j), predicted P(i preferred) = σ(r_i − r_j)
 *       in ten equal bins, against how often the annotator preferred i; and the expected calibration error;</li>
 *   <li>the loss the training objective would give on this set (computed by the caller, which knows its loss).</li>
 * </ul>
 */
public final class RewardEval {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int CALIBRATION_BINS = 10;

    private RewardEval() {}

    /** Accuracy of a group of pairs: correct (ties count 1/2) out of n. */
    public record Accuracy(double correct, long n) {
        public double value() {
            return n == 0 ? Double.NaN : correct / n;
        }
    }

    /** One calibration bin: pairs whose predicted probability fell in [lo, hi). */
    public record Bin(double lo, double hi, long n, double meanPredicted, double observed) {}

    /** Everything measured on one set. */
    public record Report(double loss, Accuracy annotators, Accuracy gold, long goldTies, long goldUnavailable,
                         Map<String, Accuracy> byFamily, Map<Integer, Accuracy> byRankDistance, List<Bin> calibration,
                         double ece, double rewardMean, double rewardStd) {

        /** The flat metrics logged at each evaluation ({@code val_accuracy} picks "best"). */
        public Map<String, Double> metrics() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("val_loss", loss);
            m.put("val_accuracy", annotators.value());
            m.put("val_gold_accuracy", gold.value());
            m.put("val_pairs", (double) annotators.n());
            byFamily.forEach((f, a) -> m.put("val_accuracy_" + f, a.value()));
            byRankDistance.forEach((d, a) -> m.put("val_accuracy_distance_" + d, a.value()));
            m.put("val_ece", ece);
            m.put("val_reward_mean", rewardMean);
            m.put("val_reward_std", rewardStd);
            return m;
        }

        public ObjectNode toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.put("loss", loss);
            o.set("accuracy_vs_annotators", acc(annotators));
            ObjectNode g = acc(gold);
            g.put("ties_skipped", goldTies);
            g.put("pairs_without_gold", goldUnavailable);
            o.set("accuracy_vs_gold", g);
            ObjectNode f = o.putObject("accuracy_by_family");
            byFamily.forEach((k, a) -> f.set(k, acc(a)));
            ObjectNode d = o.putObject("accuracy_by_rank_distance");
            byRankDistance.forEach((k, a) -> d.set(String.valueOf(k), acc(a)));
            ArrayNode cal = o.putArray("calibration");
            for (Bin b : calibration)
                cal.addObject().put("p_lo", b.lo()).put("p_hi", b.hi()).put("n", b.n()).put("mean_predicted", b.meanPredicted()).put("observed", b.observed());
            o.put("expected_calibration_error", ece);
            o.put("reward_mean", rewardMean);
            o.put("reward_std", rewardStd);
            return o;
        }

        private static ObjectNode acc(Accuracy a) {
            return JSON.createObjectNode().put("accuracy", a.value()).put("pairs", a.n());
        }
    }

    /**
     * The gold judge's score of every response ([prompt][response]); a ranking without a known family or gold facts
     * gets null (its pairs are counted as "without gold").
     */
    public static double[][] goldScores(List<RankedPrompt> prompts, GoldJudge judge) {
        double[][] g = new double[prompts.size()][];
        for (int i = 0; i < prompts.size(); i++) {
            Ranking r = prompts.get(i).ranking();
            PromptInfo info = promptInfo(r);
            if (info == null) continue;
            g[i] = new double[r.k()];
            for (int j = 0; j < r.k(); j++) {
                boolean eos = r.eos() == null || r.eos().get(j);
                g[i][j] = judge.score(info, r.responses().get(j), eos).score();
            }
        }
        return g;
    }

    @SuppressWarnings("unchecked")
    static PromptInfo promptInfo(Ranking r) {
        if (r.family() == null || r.gold() == null) return null;
        try {
            TaskFamily.of(r.family());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new PromptInfo(r.id() == null ? "" : r.id(), r.family(), r.prompt(), JSON.convertValue(r.gold(), LinkedHashMap.class));
    }

    /**
     * @param rewards [prompt][response] the model's rewards
     * @param gold    [prompt][response] gold scores, a null row where unknown (may be null as a whole)
     * @param loss    the training objective on this set, as the caller's loss computes it
     */
    public static Report evaluate(List<RankedPrompt> prompts, double[][] rewards, double[][] gold, double loss) {
        double correct = 0, goldCorrect = 0;
        long n = 0, goldN = 0, goldTies = 0, goldMissing = 0;
        Map<String, double[]> fam = new TreeMap<>();
        Map<Integer, double[]> dist = new TreeMap<>();
        double[] binN = new double[CALIBRATION_BINS], binP = new double[CALIBRATION_BINS], binY = new double[CALIBRATION_BINS];
        List<Double> all = new ArrayList<>();
        double[] flat = new double[prompts.stream().mapToInt(RankedPrompt::k).sum()];
        int o = 0;
        for (int i = 0; i < prompts.size(); i++) {
            RankedPrompt rp = prompts.get(i);
            double[] r = rewards[i];
            for (double v : r) {
                all.add(v);
                flat[o++] = v;
            }
            String family = rp.ranking().family() == null ? "unknown" : rp.ranking().family();
            for (RankedPair p : rp.pairs()) {
                double c = agreement(r[p.winner()] - r[p.loser()]);
                correct += c;
                n++;
                fam.computeIfAbsent(family, k -> new double[2])[0] += c;
                fam.get(family)[1]++;
                dist.computeIfAbsent(p.rankDistance(), k -> new double[2])[0] += c;
                dist.get(p.rankDistance())[1]++;
                // calibration, oriented by response index: does the model's P(lower index wins) match the annotators?
                int a = Math.min(p.winner(), p.loser()), b = Math.max(p.winner(), p.loser());
                double pa = 1 / (1 + Math.exp(-(r[a] - r[b])));
                int bin = Math.min(CALIBRATION_BINS - 1, (int) (pa * CALIBRATION_BINS));
                binN[bin]++;
                binP[bin] += pa;
                binY[bin] += a == p.winner() ? 1 : 0;
                if (gold == null || gold[i] == null) {
                    goldMissing++;
                } else {
                    double gd = gold[i][p.winner()] - gold[i][p.loser()];
                    if (gd == 0) goldTies++;
                    else {
                        goldCorrect += agreement(Math.signum(gd) * (r[p.winner()] - r[p.loser()]));
                        goldN++;
                    }
                }
            }
        }
        List<Bin> bins = new ArrayList<>();
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            double lo = (double) b / CALIBRATION_BINS, hi = (double) (b + 1) / CALIBRATION_BINS;
            double mp = binN[b] == 0 ? Double.NaN : binP[b] / binN[b], ob = binN[b] == 0 ? Double.NaN : binY[b] / binN[b];
            bins.add(new Bin(lo, hi, (long) binN[b], mp, ob));
            if (binN[b] > 0) ece += binN[b] / n * Math.abs(mp - ob);
        }
        Map<String, Accuracy> byFamily = new LinkedHashMap<>();
        fam.forEach((k, v) -> byFamily.put(k, new Accuracy(v[0], (long) v[1])));
        Map<Integer, Accuracy> byDist = new LinkedHashMap<>();
        dist.forEach((k, v) -> byDist.put(k, new Accuracy(v[0], (long) v[1])));
        double mean = all.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double var = all.stream().mapToDouble(v -> (v - mean) * (v - mean)).average().orElse(Double.NaN);
        return new Report(loss, new Accuracy(correct, n), new Accuracy(goldCorrect, goldN), goldTies, goldMissing,
                byFamily, byDist, bins, ece, mean, Math.sqrt(var));
    }

    /** 1 if the model orders the pair as the reference does (Δ > 0), 1/2 on a tie, 0 otherwise. */
    static double agreement(double delta) {
        return delta > 0 ? 1 : delta == 0 ? 0.5 : 0;
    }

    /** Splits flat rewards (in row order, prompt after prompt) into [prompt][response]. */
    public static double[][] byPrompt(List<RankedPrompt> prompts, double[] flat) {
        double[][] out = new double[prompts.size()][];
        int o = 0;
        for (int i = 0; i < prompts.size(); i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, o, o + prompts.get(i).k());
            o += prompts.get(i).k();
        }
        return out;
    }
}
