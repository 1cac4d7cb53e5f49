package org.rlhf4j.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.policy.config.OptionalKey;
import org.rlhf4j.policy.config.Validated;

/**
 * {@code ./rlhf4j eval}: what is measured on held-out data for every policy.
 *
 * @param prompts        held-out RLHF prompts (gold judges, win rate, RM score, KL)
 * @param promptLimit    use the first N prompts (0 = all)
 * @param sampling       how each policy's responses are sampled (the same for every policy)
 * @param bestOfN        n values for best-of-n from SFT reranked by the reward model (the largest n is sampled once; smaller
 *                       n use its first samples)
 * @param passAtKSamples samples per arithmetic prompt for pass@k
 * @param passAtK        the k values reported
 * @param pretrainTest   held-out pretraining text for the perplexity part of the alignment tax
 * @param pretrainDocs   documents of it scored
 * @param cloze          cloze probe (held-out corpus sentences with a blanked word and candidates)
 * @param clozeItems     items of it scored
 * @param reportSamples  prompts shown with every policy's response side by side in the report
 * @param seed           sampling seed
 * @param samplesPerPrompt optional, default 1: responses sampled per prompt from each policy (and from the SFT
 *                       baseline of the win rate). Gold, win rate, RM score and KL average over them, and the gold
 *                       difference to SFT is paired by prompt, so more samples per prompt shrink its standard error
 *                       (best-of-n still picks one response per prompt)
 */
public record EvalConfig(@JsonProperty("prompts") String prompts, @JsonProperty("prompt_limit") int promptLimit,
                         @JsonProperty("sampling") SampleConfig sampling, @JsonProperty("best_of_n") List<Integer> bestOfN,
                         @JsonProperty("pass_at_k_samples") int passAtKSamples, @JsonProperty("pass_at_k") List<Integer> passAtK,
                         @JsonProperty("pretrain_test") String pretrainTest, @JsonProperty("pretrain_docs") int pretrainDocs,
                         @JsonProperty("cloze") String cloze, @JsonProperty("cloze_items") int clozeItems,
                         @JsonProperty("report_samples") int reportSamples, @JsonProperty("seed") long seed,
                         @OptionalKey @JsonProperty("samples_per_prompt") Integer samplesPerPrompt) implements Validated {
    public EvalConfig {
        if (samplesPerPrompt == null) samplesPerPrompt = 1;
    }

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>(sampling.problems(prefix + "sampling."));
        if (promptLimit < 0) p.add(prefix + "prompt_limit: expected >= 0 (0 = all), got " + promptLimit);
        for (int i = 0; i < bestOfN.size(); i++) if (bestOfN.get(i) < 1) p.add(prefix + "best_of_n[" + i + "]: expected >= 1, got " + bestOfN.get(i));
        if (passAtKSamples < 1) p.add(prefix + "pass_at_k_samples: expected >= 1, got " + passAtKSamples);
        for (int i = 0; i < passAtK.size(); i++)
            if (passAtK.get(i) < 1 || passAtK.get(i) > passAtKSamples) p.add(prefix + "pass_at_k[" + i + "]: expected in [1, pass_at_k_samples=" + passAtKSamples + "], got " + passAtK.get(i));
        if (pretrainDocs < 1) p.add(prefix + "pretrain_docs: expected >= 1, got " + pretrainDocs);
        if (clozeItems < 1) p.add(prefix + "cloze_items: expected >= 1, got " + clozeItems);
        if (reportSamples < 0) p.add(prefix + "report_samples: expected >= 0, got " + reportSamples);
        if (samplesPerPrompt < 1) p.add(prefix + "samples_per_prompt: expected >= 1, got " + samplesPerPrompt);
        return p;
    }

    public int maxN() {
        return bestOfN.stream().mapToInt(Integer::intValue).max().orElse(1);
    }
}
