package org.rlhf4j.policy.engine;

/**
 * A stage's loss as a function of the engine's per-token outputs: it returns the loss and writes d(loss)/d(output)
 * into {@code grads} (arrays already zeroed, shaped like {@code out}). The engine back-propagates those gradients; a
 * stage never touches the network.
 */
@FunctionalInterface
public interface TokenLoss {
    double apply(Outputs out, Outputs.Grads grads);
}
