package org.rlhf4j.sft;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.policy.config.Validated;
import org.rlhf4j.policy.train.LoopConfig;

/**
 * {@code ./rlhf4j sft}: supervised fine-tuning of a base checkpoint on dialogues, the loss on assistant tokens only.
 *
 * @param base           the base checkpoint directory
 * @param train          SFT dialogues (messages form)
 * @param validation     held-out dialogues for validation loss
 * @param goldPrompts    held-out prompts on which base and SFT policies are judged by the gold judges
 * @param goldSampling   how the judged responses are sampled
 * @param seqLen         tokens per packed row
 * @param evalExamples   validation dialogues scored at each evaluation (the first N)
 * @param seed           data-order and sampling seed
 * @param loop           schedule and optimiser
 */
public record SftConfig(@JsonProperty("base") String base, @JsonProperty("train") String train,
                        @JsonProperty("validation") String validation, @JsonProperty("gold_prompts") String goldPrompts,
                        @JsonProperty("gold_sampling") SampleConfig goldSampling, @JsonProperty("seq_len") int seqLen,
                        @JsonProperty("eval_examples") int evalExamples, @JsonProperty("seed") long seed,
                        @JsonProperty("loop") LoopConfig loop) implements Validated {
    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (base.isBlank()) p.add(prefix + "base: expected a checkpoint directory");
        if (seqLen < 2) p.add(prefix + "seq_len: expected >= 2, got " + seqLen);
        if (evalExamples < 1) p.add(prefix + "eval_examples: expected >= 1, got " + evalExamples);
        p.addAll(goldSampling.problems(prefix + "gold_sampling."));
        p.addAll(loop.problems(prefix + "loop."));
        return p;
    }
}
