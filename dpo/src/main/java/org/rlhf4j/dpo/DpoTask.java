package org.rlhf4j.dpo;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.RewardEval;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.train.LoopConfig;
import org.rlhf4j.policy.train.StepOrder;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * DPO/IPO as a {@link TrainLoop.Task}: step s takes {@code loop.batch_size} rankings ({@link StepOrder}, a pure function
 * of seed and step), split into micro-batches of {@code loop.micro_batch_size} rankings; each micro-batch feeds every
 * response once and weighs its pairs for the whole step, exactly as the reward model does ({@link PairBatch}). The
 * reference's sequence log-probs are computed once per ranking, on first use, with the frozen SFT model.
 */
public final class DpoTask implements TrainLoop.Task {
    private final List<RankedPrompt> eval;
    private final double[][] evalGold;
    private final Policy reference;
    private final DpoConfig c;
    private final StepOrder<RankedPrompt> order;
    private final Map<RankedPrompt, double[]> refCache = new IdentityHashMap<>();
    private final int maxK;

    public DpoTask(List<RankedPrompt> train, List<RankedPrompt> eval, double[][] evalGold, Policy reference, DpoConfig c) {
        if (eval.isEmpty()) throw new IllegalArgumentException("no validation rankings");
        this.eval = eval;
        this.evalGold = evalGold;
        this.reference = reference;
        this.c = c;
        this.order = new StepOrder<>(train, c.loop().batchSize(), c.seed());
        this.maxK = train.stream().mapToInt(RankedPrompt::k).max().orElse(2);
    }

    @Override
    public int seqLen() {
        return c.seqLen();
    }

    @Override
    public int rowsPerMicroBatch(LoopConfig cfg) {
        return cfg.microBatchSize() * maxK;
    }

    @Override
    public TrainLoop.Batch batch(long step) {
        List<RankedPrompt> prompts = order.at(step);
        long pairs = PairBatch.pairCount(prompts);
        long tokens = 0;
        List<TrainLoop.Micro> micro = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += c.loop().microBatchSize()) {
            List<RankedPrompt> part = prompts.subList(from, Math.min(prompts.size(), from + c.loop().microBatchSize()));
            PairBatch b = PairBatch.of(part, c.pairs(), prompts.size(), pairs);
            int longest = 0;
            for (int[] r : b.rows()) {
                tokens += r.length;
                longest = Math.max(longest, r.length);
            }
            micro.add(DpoLoss.micro(b, DpoLoss.Spans.of(part), referenceLogprobs(part), EngineBatch.paddedLength(longest, c.seqLen()), c.loss(), c.beta()));
        }
        return new TrainLoop.Batch(micro, tokens);
    }

    /** ref_r for the rows of {@code prompts}, in row order. */
    double[] referenceLogprobs(List<RankedPrompt> prompts) {
        List<double[]> parts = new ArrayList<>();
        for (RankedPrompt p : prompts) parts.add(refCache.computeIfAbsent(p, q -> sequenceLogprobs(reference, List.of(q))));
        return concat(parts);
    }

    /** s_r of every row of {@code prompts} under {@code policy} (a forward pass at temperature 1). */
    static double[] sequenceLogprobs(Policy policy, List<RankedPrompt> prompts) {
        List<int[]> rows = new ArrayList<>();
        for (RankedPrompt p : prompts) rows.addAll(p.rows());
        List<float[]> lp = policy.score(rows, 1.0, false, false).tokenLogprobs();
        DpoLoss.Spans spans = DpoLoss.Spans.of(prompts);
        double[] s = new double[rows.size()];
        for (int r = 0; r < s.length; r++)
            for (int t = spans.from()[r]; t < spans.to()[r]; t++) s[r] += lp.get(r)[t];
        return s;
    }

    static double[] concat(List<double[]> parts) {
        double[] out = new double[parts.stream().mapToInt(a -> a.length).sum()];
        int o = 0;
        for (double[] a : parts) {
            System.arraycopy(a, 0, out, o, a.length);
            o += a.length;
        }
        return out;
    }

    /** The held-out report: the implicit reward β·(s − ref) of every response, scored like a reward model's. */
    public RewardEval.Report report(Policy policy) {
        double[] s = sequenceLogprobs(policy, eval), ref = referenceLogprobs(eval);
        double[] implicit = new double[s.length];
        for (int r = 0; r < s.length; r++) implicit[r] = c.beta() * (s[r] - ref[r]);
        double loss = DpoLoss.loss(s, ref, PairBatch.of(eval, c.pairs()), c.loss(), c.beta());
        return RewardEval.evaluate(eval, RewardEval.byPrompt(eval, implicit), evalGold, loss);
    }

    @Override
    public Map<String, Double> evaluate(Policy policy) {
        return report(policy).metrics();
    }
}
