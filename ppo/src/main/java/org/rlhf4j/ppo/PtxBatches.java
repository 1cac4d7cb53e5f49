package org.rlhf4j.ppo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.Tokenizer;
import org.rlhf4j.policy.train.LmLoss;
import org.rlhf4j.policy.train.TrainGraph;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * PPO-ptx's pretraining batches and graph. Minibatch step s reads documents [s·B, (s+1)·B) of a sequence of seeded
 * permutations of the corpus (one per epoch), each as BOS + text + EOS, cut to a seeded window of at most seqLen
 * tokens; the loss is γ_ptx · the mean next-token NLL over the batch ({@link LmLoss}). The graph is a second
 * {@link TrainGraph} over the very same backbone arrays (the value head left out: the LM loss does not reach it), so
 * its gradients add to the PPO graph's before the one optimizer step (the loss is a sum, so are its gradients).
 */
public final class PtxBatches {
    private final List<PretrainDoc> docs;
    private final Tokenizer tokenizer;
    private final int seqLen, batchSize;
    private final long seed;
    private int cachedEpoch = -1;
    private int[] cachedOrder;

    public PtxBatches(List<PretrainDoc> docs, Tokenizer tokenizer, int seqLen, int batchSize, long seed) {
        if (docs.isEmpty()) throw new IllegalArgumentException("ptx: no pretraining documents");
        this.docs = docs;
        this.tokenizer = tokenizer;
        this.seqLen = seqLen;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** The LM graph with loss γ_ptx · NLL, over {@code weights}' backbone arrays (shared, not copied). */
    public static TrainGraph graph(GptWeights weights, int seqLen, double coef) {
        return new TrainGraph(backbone(weights), seqLen, (sd, out) -> LmLoss.build(sd, out, coef));
    }

    /** A view of the backbone arrays only (the same INDArray objects, so updates are shared). */
    static GptWeights backbone(GptWeights w) {
        Map<String, INDArray> a = new LinkedHashMap<>(w.arrays());
        for (GptWeights.Head h : GptWeights.Head.values()) {
            a.remove(h.weight);
            a.remove(h.bias);
        }
        return new GptWeights(w.config(), a);
    }

    /** The token windows of minibatch step {@code step}: a pure function of (seed, step). */
    public List<int[]> windows(long step) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            long pos = step * batchSize + i;
            int epoch = (int) (pos / docs.size());
            int[] ids = encode(docs.get(order(epoch)[(int) (pos % docs.size())]));
            if (ids.length > seqLen) {
                int start = new SplittableRandom(seed * 0x2545F4914F6CDD1DL + pos).nextInt(ids.length - seqLen + 1);
                ids = Arrays.copyOfRange(ids, start, start + seqLen);
            }
            out.add(ids);
        }
        return out;
    }

    /** The engine's micro-batch of step {@code step}: γ_ptx · the mean NLL over every next-token target of the windows. */
    public TrainLoop.Micro micro(long step, double coef) {
        TokenBatch batch = TokenBatch.rightPadded(windows(step), seqLen);
        int n = LmLoss.countTargets(batch, null);
        return LmLoss.micro(batch, null, coef / Math.max(1, n));
    }

    /** Feeds for {@link LmLoss}: every next-token target of the windows counts, each with weight 1/N. */
    public Map<String, INDArray> feeds(long step, DataType dt) {
        TokenBatch batch = TokenBatch.rightPadded(windows(step), seqLen);
        int n = LmLoss.countTargets(batch, null);
        return LmLoss.feeds(batch, null, 1.0 / Math.max(1, n), dt);
    }

    private int[] encode(PretrainDoc d) {
        int[] text = tokenizer.encode(d.text());
        int[] ids = new int[text.length + 2];
        ids[0] = tokenizer.bos();
        System.arraycopy(text, 0, ids, 1, text.length);
        ids[ids.length - 1] = tokenizer.eos();
        return ids;
    }

    private int[] order(int epoch) {
        if (epoch != cachedEpoch) {
            cachedOrder = SeededOrder.permutation(docs.size(), seed * 1_000_003L + epoch);
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }
}
