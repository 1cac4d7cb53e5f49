package org.rlhf4j.policy.engine;

/**
 * Per-token outputs of one forward pass, flat over [rows · len] slots (row-major), and the gradients a stage's loss
 * returns for them. A stage's loss is a function of these arrays only; the engine owns everything behind them.
 *
 * @param logprob log π(target | slot) at the batch's temperature, 0 where the slot has no target
 * @param entropy entropy of π(· | slot) where the slot has a target (null unless asked for)
 * @param value   value head per slot (null unless asked for)
 * @param reward  reward head per row at its {@code rewardAt} slot (null unless asked for)
 */
public record Outputs(double[] logprob, double[] entropy, double[] value, double[] reward) {
    /** d loss / d output, the same layout; a null array means the loss does not depend on that output. */
    public record Grads(double[] logprob, double[] entropy, double[] value, double[] reward) {
        /** Zero gradients shaped like {@code o} (for the arrays {@code o} has). */
        public static Grads zerosLike(Outputs o) {
            return new Grads(new double[o.logprob.length], o.entropy == null ? null : new double[o.entropy.length],
                    o.value == null ? null : new double[o.value.length], o.reward == null ? null : new double[o.reward.length]);
        }
    }
}
