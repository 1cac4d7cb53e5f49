package org.rlhf4j.reward;

import org.rlhf4j.data.rank.RewardEval;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.LossMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.train.LoopConfig;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.train.StepOrder;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * The reward model as a {@link TrainLoop.Task}. The data order is a pure function of the seed and the step: epoch e is
 * the training rankings shuffled with a seed derived from (seed, e); step s takes prompts [s·B, (s+1)·B) of the
 * concatenated epochs (B = {@code loop.batch_size} prompts) and splits them into micro-batches of
 * {@code loop.micro_batch_size} prompts. Each micro-batch feeds its Σ K_i responses as rows, once each; every pair's
 * weight is computed for the whole step, so the micro-batch losses add up to the step's loss whatever the split.
 */
public final class RewardTask implements TrainLoop.Task {
    private final List<RankedPrompt> train, eval;
    private final double[][] evalGold;
    private final int seqLen;
    private final LossMode mode;
    private final double margin;
    private final LoopConfig loop;
    private final long seed;
    private final DataType dtype;
    private final StepOrder<RankedPrompt> order;
    private final int maxK;

    /**
     * @param evalGold gold scores of the evaluation responses ([prompt][response], null rows where unknown), or null
     */
    public RewardTask(List<RankedPrompt> train, List<RankedPrompt> eval, double[][] evalGold, int seqLen, LossMode mode,
                      double margin, LoopConfig loop, long seed, DataType dtype) {
        if (train.isEmpty()) throw new IllegalArgumentException("no training rankings");
        if (eval.isEmpty()) throw new IllegalArgumentException("no validation rankings");
        this.train = train;
        this.eval = eval;
        this.evalGold = evalGold;
        this.seqLen = seqLen;
        this.mode = mode;
        this.margin = margin;
        this.loop = loop;
        this.seed = seed;
        this.dtype = dtype;
        this.order = new StepOrder<>(train, loop.batchSize(), seed);
        this.maxK = train.stream().mapToInt(RankedPrompt::k).max().orElse(2);
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    /** A micro-batch of P prompts feeds up to P · max K rows (one per response). */
    @Override
    public int rowsPerMicroBatch(LoopConfig cfg) {
        return cfg.microBatchSize() * maxK;
    }

    @Override
    public String bestMetric() {
        return "val_accuracy";
    }

    @Override
    public boolean higherIsBetter() {
        return true;
    }

    /** The prompts (rankings) of optimizer step {@code step}. */
    public List<RankedPrompt> prompts(long step) {
        return order.at(step);
    }

    @Override
    public TrainLoop.Batch batch(long step) {
        List<RankedPrompt> prompts = prompts(step);
        long pairs = PairBatch.pairCount(prompts);
        long tokens = 0;
        List<TrainLoop.Micro> micro = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += loop.microBatchSize()) {
            List<RankedPrompt> part = prompts.subList(from, Math.min(prompts.size(), from + loop.microBatchSize()));
            int longest = 0;
            for (RankedPrompt rp : part)
                for (int[] r : rp.rows()) {
                    tokens += r.length;
                    longest = Math.max(longest, r.length);
                }
            int len = EngineBatch.paddedLength(longest, seqLen);
            micro.add(mode.pairwise()
                    ? PairLoss.micro(PairBatch.of(part, mode, prompts.size(), pairs), len, margin)
                    : PlackettLuce.micro(PlackettLuce.of(part, prompts.size()), len));
        }
        return new TrainLoop.Batch(micro, tokens);
    }

    @Override
    public Map<String, Double> evaluate(Policy policy) {
        return report(policy).metrics();
    }

    /** The full held-out report (calibration table included) of the current weights. */
    public RewardEval.Report report(Policy policy) {
        return evaluate(policy, eval, evalGold, mode, margin);
    }

    public static RewardEval.Report evaluate(Policy policy, List<RankedPrompt> prompts, double[][] gold, LossMode mode, double margin) {
        List<int[]> rows = new ArrayList<>();
        for (RankedPrompt p : prompts) rows.addAll(p.rows());
        double[] r = RewardScorer.scores(policy, rows);
        double loss = mode.pairwise() ? PairLoss.loss(r, PairBatch.of(prompts, mode), margin) : PlackettLuce.loss(r, PlackettLuce.of(prompts));
        return RewardEval.evaluate(prompts, RewardEval.byPrompt(prompts, r), gold, loss);
    }
}
