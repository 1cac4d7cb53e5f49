package org.rlhf4j.sft;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.train.LmLoss;
import org.rlhf4j.policy.train.LoopConfig;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * Next-token training on packed rows of examples (pretraining and SFT). The data order is a pure function of the seed
 * and the step: epoch e is the training set shuffled with seed+e and packed; step s takes rows [s·B, (s+1)·B) of the
 * concatenation of epochs. Each optimizer step's loss is the mean NLL over all its counted targets, whatever the
 * micro-batch split.
 */
public final class LmTask implements TrainLoop.Task {
    private final List<Example> train, validation;
    private final int seqLen;
    private final LoopConfig loop;
    private final long seed;
    private final DataType dtype;
    private final Map<Integer, List<List<Example>>> epochs = new HashMap<>();

    public LmTask(List<Example> train, List<Example> validation, int seqLen, LoopConfig loop, long seed, DataType dtype) {
        if (train.isEmpty()) throw new IllegalArgumentException("no training examples");
        this.train = train;
        this.validation = validation;
        this.seqLen = seqLen;
        this.loop = loop;
        this.seed = seed;
        this.dtype = dtype;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    private List<List<Example>> epoch(int e) {
        return epochs.computeIfAbsent(e, k -> LmExamples.pack(org.rlhf4j.policy.train.SeededShuffle.shuffled(train, seed * 1_000_003L + k), seqLen));
    }

    /** The rows of optimizer step {@code step}. */
    public List<List<Example>> rows(long step) {
        long first = step * loop.batchSize();
        List<List<Example>> out = new ArrayList<>();
        int e = 0;
        long before = 0;
        while (out.size() < loop.batchSize()) {
            List<List<Example>> rows = epoch(e);
            long idx = first + out.size();
            if (idx < before + rows.size()) out.add(rows.get((int) (idx - before)));
            else {
                before += rows.size();
                e++;
                if (e > 2 && epochs.size() > 3) epochs.remove(e - 3);
            }
        }
        return out;
    }

    @Override
    public TrainLoop.Batch batch(long step) {
        List<List<Example>> rows = rows(step);
        int total = 0;
        long tokens = 0;
        for (List<Example> r : rows) for (Example x : r) {
            total += x.targets();
            tokens += x.ids().length;
        }
        double scale = 1.0 / Math.max(1, total);
        List<TrainLoop.Micro> micro = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += loop.microBatchSize()) {
            List<List<Example>> part = rows.subList(from, from + loop.microBatchSize());
            Packed p = packed(part);
            micro.add(LmLoss.micro(p.batch(), p.trainOn(), scale));
        }
        return new TrainLoop.Batch(micro, tokens);
    }

    /** Rows packed into one batch, with the per-slot flag of which tokens are trained on. */
    record Packed(TokenBatch batch, boolean[][] trainOn) {}

    Packed packed(List<List<Example>> rows) {
        List<List<int[]>> ids = new ArrayList<>();
        boolean[][] trainOn = new boolean[rows.size()][seqLen];
        for (int r = 0; r < rows.size(); r++) {
            List<int[]> row = new ArrayList<>();
            int o = 0;
            for (Example x : rows.get(r)) {
                row.add(x.ids());
                System.arraycopy(x.train(), 0, trainOn[r], o, x.train().length);
                o += x.ids().length;
            }
            ids.add(row);
        }
        return new Packed(TokenBatch.packed(ids, seqLen), trainOn);
    }

    /** The same micro-batch as SameDiff feeds (the oracle in tests). */
    Map<String, INDArray> feeds(List<List<Example>> rows, double scale) {
        Packed p = packed(rows);
        return LmLoss.feeds(p.batch(), p.trainOn(), scale, dtype);
    }

    /** Mean NLL per counted target on the validation examples (one per row), its perplexity, and NLL per text byte. */
    @Override
    public Map<String, Double> evaluate(Policy policy) {
        return evaluate(policy, validation);
    }

    public static Map<String, Double> evaluate(Policy policy, List<Example> examples) {
        double nll = 0;
        long n = 0, bytes = 0;
        List<int[]> seqs = new ArrayList<>();
        for (Example x : examples) seqs.add(x.ids());
        List<float[]> lps = policy.score(seqs, 1.0, false, false).tokenLogprobs();
        for (int i = 0; i < examples.size(); i++) {
            boolean[] train = examples.get(i).train();
            float[] lp = lps.get(i);
            int[] ids = examples.get(i).ids();
            int[] one = new int[1];
            for (int t = 0; t < lp.length; t++) {
                if (train[t + 1]) {
                    nll -= lp[t];
                    n++;
                    one[0] = ids[t + 1];
                    bytes += policy.tokenizer().byteCount(one);
                }
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double mean = nll / Math.max(1, n);
        m.put("val_loss", mean);
        m.put("val_ppl", Math.exp(mean));
        m.put("val_tokens", (double) n);
        // per byte of target text (EOS's NLL included, its byte count zero): comparable across tokenizers
        m.put("val_nats_per_byte", nll / Math.max(1, bytes));
        return m;
    }
}
