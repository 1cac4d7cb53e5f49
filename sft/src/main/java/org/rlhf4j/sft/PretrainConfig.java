package org.rlhf4j.sft;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.policy.ModelSpec;
import org.rlhf4j.policy.config.Validated;
import org.rlhf4j.policy.train.LoopConfig;

/**
 * {@code ./rlhf4j pretrain}: next-token loss on every token of a text corpus, from random weights.
 *
 * @param init           the model to create (shape, tokenizer, weight seed)
 * @param train          pretraining text (a path or {@code embedded:NAME})
 * @param validation     held-out text for validation loss and perplexity
 * @param seqLen         tokens per packed row
 * @param evalExamples   validation windows scored at each evaluation (the first N)
 * @param seed           data-order seed
 * @param loop           schedule and optimiser
 */
public record PretrainConfig(@JsonProperty("init") ModelSpec init, @JsonProperty("train") String train,
                             @JsonProperty("validation") String validation, @JsonProperty("seq_len") int seqLen,
                             @JsonProperty("eval_examples") int evalExamples, @JsonProperty("seed") long seed,
                             @JsonProperty("loop") LoopConfig loop) implements Validated {
    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>(init.problems(prefix + "init."));
        if (seqLen < 2 || seqLen > init.model().contextLength())
            p.add(prefix + "seq_len: expected in [2, init.model.n_positions=" + init.model().contextLength() + "], got " + seqLen);
        if (evalExamples < 1) p.add(prefix + "eval_examples: expected >= 1, got " + evalExamples);
        p.addAll(loop.problems(prefix + "loop."));
        return p;
    }
}
