package org.rlhf4j.policy.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimisation schedule of a supervised-style stage (pretraining, SFT, reward model).
 *
 * @param steps                optimizer steps
 * @param batchSize            rows per optimizer step
 * @param microBatchSize       rows per forward/backward; batchSize / microBatchSize steps of gradient accumulation
 * @param evalEvery            evaluate on the validation split (and write checkpoints) every this many steps
 * @param logEvery             write a metrics line every this many steps
 * @param maxConsecutiveSkips  stop with an error after this many updates in a row were skipped for non-finite values
 * @param optim                AdamW, schedule and clipping
 */
public record LoopConfig(@JsonProperty("steps") int steps, @JsonProperty("batch_size") int batchSize,
                         @JsonProperty("micro_batch_size") int microBatchSize, @JsonProperty("eval_every") int evalEvery,
                         @JsonProperty("log_every") int logEvery, @JsonProperty("max_consecutive_skips") int maxConsecutiveSkips,
                         @JsonProperty("optim") OptimConfig optim) {

    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (steps < 1) p.add(prefix + "steps: expected >= 1, got " + steps);
        if (batchSize < 1) p.add(prefix + "batch_size: expected >= 1, got " + batchSize);
        if (microBatchSize < 1 || (batchSize >= 1 && batchSize % Math.max(1, microBatchSize) != 0))
            p.add(prefix + "micro_batch_size: expected a divisor of batch_size=" + batchSize + ", got " + microBatchSize);
        if (evalEvery < 1) p.add(prefix + "eval_every: expected >= 1, got " + evalEvery);
        if (logEvery < 1) p.add(prefix + "log_every: expected >= 1, got " + logEvery);
        if (maxConsecutiveSkips < 1) p.add(prefix + "max_consecutive_skips: expected >= 1, got " + maxConsecutiveSkips);
        p.addAll(optim.problems(prefix + "optim."));
        return p;
    }

    public int accumulation() {
        return batchSize / microBatchSize;
    }
}
