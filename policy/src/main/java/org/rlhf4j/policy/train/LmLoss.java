package org.rlhf4j.policy.train;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.TokenLoss;
import org.rlhf4j.policy.model.GptGraph;
import org.rlhf4j.policy.model.TokenBatch;

/**
 * The language-modelling loss shared by pretraining, SFT and PPO-ptx: −Σ w_t · log p(target_t), where the weight is
 * 1/N for each of the N counted target tokens of the whole optimizer step (so micro-batches add up to the same
 * gradient as one big batch) and 0 for masked tokens (prompts, user turns, padding, segment boundaries).
 * {@link #micro} is what training runs (on the engine's per-token log-probs); {@link #build} is the same loss as a
 * SameDiff graph, kept as the oracle the engine is tested against and for PPO-ptx until PPO moves to the engine.
 */
public final class LmLoss {
    /** (B, T) int32 next-token targets. */
    public static final String TARGETS = "lm_targets";
    /** (B·T) per-target weight: 1/N where counted, 0 elsewhere. */
    public static final String WEIGHTS = "lm_weights";

    private LmLoss() {}

    public static TrainGraph.LossBuilder builder() {
        return (sd, out) -> build(sd, out, 1.0);
    }

    /** Adds the weighted NLL to a graph (scaled by {@code coefficient}, e.g. γ_ptx); returns it. */
    public static SDVariable build(org.nd4j.autodiff.samediff.SameDiff sd, GptGraph.Outputs out, double coefficient) {
        SDVariable targets = sd.placeHolder(TARGETS, DataType.INT, -1, out.seqLen());
        SDVariable weights = sd.placeHolder(WEIGHTS, out.logits().dataType(), -1);
        int vocab = (int) sd.getVariable(org.rlhf4j.policy.model.GptWeights.WTE).getArr().size(0);
        SDVariable lp = GptGraph.tokenLogprobs(sd, out.logits(), targets, null, vocab);
        return lp.mul(weights).sum().mul(-coefficient);
    }

    /**
     * Feeds for one micro-batch.
     *
     * @param trainOn per slot, whether the token there is a training target (null = every real token)
     * @param scale   1 / (number of counted targets in the whole optimizer step)
     */
    public static Map<String, INDArray> feeds(TokenBatch batch, boolean[][] trainOn, double scale, DataType dtype) {
        TokenBatch.Targets t = batch.nextTokenTargets(trainOn);
        Map<String, INDArray> f = new HashMap<>();
        f.put(GptGraph.TOKENS, batch.idsArray());
        f.put(GptGraph.POSITIONS, batch.positionsArray());
        f.put(GptGraph.ATTN_BIAS, batch.attentionBias(dtype));
        f.put(TARGETS, t.idsArray());
        f.put(WEIGHTS, t.maskArray(dtype).muli(scale));
        return f;
    }

    /**
     * One micro-batch for the training engine: next-token targets where {@code trainOn} allows, and the loss
     * −scale · Σ log p(target) whose gradient with respect to each counted log-prob is −scale.
     */
    public static TrainLoop.Micro micro(TokenBatch batch, boolean[][] trainOn, double scale) {
        EngineBatch b = EngineBatch.of(batch).withTargets(batch.nextTokenTargets(trainOn));
        return new TrainLoop.Micro(b, nll(b.targets(), scale));
    }

    /** −scale · Σ_t log p(target_t) over the slots that have a target. */
    public static TokenLoss nll(int[] targets, double scale) {
        return (out, grads) -> {
            double loss = 0;
            for (int i = 0; i < targets.length; i++) {
                if (targets[i] < 0) continue;
                loss -= scale * out.logprob()[i];
                grads.logprob()[i] = -scale;
            }
            return loss;
        };
    }

    /** Number of targets a batch counts (the N of the weights). */
    public static int countTargets(TokenBatch batch, boolean[][] trainOn) {
        return batch.nextTokenTargets(trainOn).count();
    }
}
