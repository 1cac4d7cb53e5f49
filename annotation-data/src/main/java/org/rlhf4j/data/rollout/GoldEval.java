package org.rlhf4j.data.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.data.world.Judgement;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.generate.SamplingConfig;

/**
 * The gold-judge score of a policy on held-out prompts: one sampled response per prompt, judged in [0, 1], averaged
 * overall and per task family. Used by SFT (base vs SFT), PPO (per iteration) and the evaluation report.
 */
public final class GoldEval {
    private GoldEval() {}

    /** One judged response. */
    public record Judged(Rollouts.Sample sample, Judgement judgement) {}

    /** Mean score overall and per family, with the judged responses. */
    public record Report(double mean, Map<String, Double> byFamily, Map<String, Integer> counts, double meanLength, double eosRate, List<Judged> judged) {
        public ObjectNode toJson() {
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            o.put("mean", mean);
            o.put("n", judged.size());
            o.put("mean_response_tokens", meanLength);
            o.put("eos_rate", eosRate);
            ObjectNode f = o.putObject("by_family");
            byFamily.forEach((k, v) -> f.putObject(k).put("mean", v).put("n", counts.get(k)));
            return o;
        }
    }

    public static Report evaluate(Policy policy, List<PromptRecord> prompts, SamplingConfig cfg, long seed, GoldJudge judge) {
        return judge(Rollouts.sample(policy, prompts, cfg, seed, 32), judge);
    }

    public static Report judge(List<Rollouts.Sample> samples, GoldJudge judge) {
        List<Judged> judged = new ArrayList<>();
        Map<String, Double> sums = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        double total = 0, length = 0, eos = 0;
        for (Rollouts.Sample s : samples) {
            Judgement j = judge.score(Rollouts.info(s.prompt()), s.text(), s.eos());
            judged.add(new Judged(s, j));
            sums.merge(s.prompt().family(), j.score(), Double::sum);
            counts.merge(s.prompt().family(), 1, Integer::sum);
            total += j.score();
            length += s.responseIds().length;
            eos += s.eos() ? 1 : 0;
        }
        Map<String, Double> means = new TreeMap<>();
        sums.forEach((k, v) -> means.put(k, v / counts.get(k)));
        int n = Math.max(1, samples.size());
        return new Report(total / n, means, counts, length / n, eos / n, judged);
    }
}
