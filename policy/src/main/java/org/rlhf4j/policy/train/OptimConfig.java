package org.rlhf4j.policy.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with warm-up and cosine decay, and global-norm gradient clipping.
 *
 * @param lr           peak learning rate
 * @param minLr        floor of the cosine decay
 * @param warmupSteps  linear warm-up from 0 to lr
 * @param weightDecay  decoupled weight decay on matrices and embeddings (not on biases, LayerNorm, heads' biases)
 * @param beta1        Adam first-moment decay
 * @param beta2        Adam second-moment decay
 * @param eps          Adam epsilon
 * @param gradClip     global L2 norm the gradient is scaled down to (0 = no clipping)
 */
public record OptimConfig(@JsonProperty("lr") double lr, @JsonProperty("min_lr") double minLr,
                          @JsonProperty("warmup_steps") int warmupSteps, @JsonProperty("weight_decay") double weightDecay,
                          @JsonProperty("beta1") double beta1, @JsonProperty("beta2") double beta2,
                          @JsonProperty("eps") double eps, @JsonProperty("grad_clip") double gradClip) {

    /** Every out-of-range field, as "key: expected …, got …". */
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (!(lr > 0 && lr < 1)) p.add(prefix + "lr: expected in (0, 1), got " + lr);
        if (!(minLr >= 0 && minLr <= lr)) p.add(prefix + "min_lr: expected in [0, lr], got " + minLr);
        if (warmupSteps < 0) p.add(prefix + "warmup_steps: expected >= 0, got " + warmupSteps);
        if (!(weightDecay >= 0 && weightDecay < 1)) p.add(prefix + "weight_decay: expected in [0, 1), got " + weightDecay);
        if (!(beta1 >= 0 && beta1 < 1)) p.add(prefix + "beta1: expected in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) p.add(prefix + "beta2: expected in [0, 1), got " + beta2);
        if (!(eps > 0)) p.add(prefix + "eps: expected > 0, got " + eps);
        if (!(gradClip >= 0)) p.add(prefix + "grad_clip: expected >= 0 (0 = off), got " + gradClip);
        return p;
    }

    /** Learning rate at {@code step} (0-based) of {@code totalSteps}: linear warm-up, then cosine to minLr. */
    public double lrAt(long step, long totalSteps) {
        if (warmupSteps > 0 && step < warmupSteps) return lr * (step + 1) / warmupSteps;
        long decay = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decay);
        return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
    }
}
