package org.rlhf4j.spark;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.ppo.PpoLosses;
import org.rlhf4j.ppo.PpoTrainer;

/**
 * PPO's rollouts and minibatch gradients on a Spark cluster; the driver keeps rewards, advantages, the reduction,
 * clipping and AdamW, so the trainer is the single-JVM one.
 *
 * <p><b>Rollouts.</b> The iteration's B prompts become an RDD of (row, prompt index, seed) with
 * min(B, slots × cluster.partitions_per_slot) partitions. The policy with its value head is broadcast as one flat float
 * array per iteration; the reference and the reward model went out once, as checkpoint bytes ({@link PpoRun}). A row's
 * seed is the trainer's, a function of (seed, iteration, row) only, so the partitioning changes no sample.
 *
 * <p><b>Learning.</b> Each minibatch is cut at micro-batch boundaries into at most one slice per executor core; each
 * slice's task computes, from zero, the gradient of weight × its summed token loss (weight = 1 / the minibatch's response
 * tokens, as in the single-JVM loss) at the weights broadcast for this step, and returns it as floats with its loss
 * terms. The driver adds the slices' gradients in slice order (deterministic, whatever order tasks finish in) into the
 * engine's gradient buffer; the trainer then clips and steps AdamW. In one JVM the engine accumulates micro-batch after
 * micro-batch into one buffer; here each slice starts from zero and the slices are summed, so the two gradients agree to
 * float32 rounding of that summation order (bit for bit when a minibatch is one slice).
 */
public final class SparkWorkers implements PpoTrainer.Workers {
    private final JavaSparkContext sc;
    private final PpoConfig cfg;
    private final Policy policy;
    private final Broadcast<PpoRun> run;
    private final Map<PromptRecord, Integer> promptIndex = new IdentityHashMap<>();
    private final int slots, rolloutPartitions;
    private String holdDir;
    /** Process ids and hosts that ran the last rollout's tasks (for the tests and the log). */
    private final Set<Long> lastPids = new TreeSet<>();
    private final Set<String> lastHosts = new TreeSet<>();
    private long broadcastBytes;

    public SparkWorkers(JavaSparkContext sc, ClusterConfig cluster, Ppo.Setup setup) {
        this.sc = sc;
        this.cfg = setup.config();
        this.policy = setup.policy();
        for (int i = 0; i < setup.prompts().size(); i++) promptIndex.put(setup.prompts().get(i), i);
        PpoRun r = PpoRun.of(setup);
        this.run = sc.broadcast(r);
        this.broadcastBytes = r.modelBytes();
        this.slots = Math.max(1, sc.defaultParallelism());
        this.rolloutPartitions = slots * cluster.partitionsPerSlotOrDefault();
    }

    /** Tests only: partition 0's first rollout attempt writes its process id to {@code dir}/pid and waits to be killed. */
    SparkWorkers holdFirstRollout(String dir) {
        this.holdDir = dir;
        return this;
    }

    Set<Long> lastPids() {
        return lastPids;
    }

    Set<String> lastHosts() {
        return lastHosts;
    }

    /** Bytes broadcast so far: the run's models once, then the policy's floats per iteration and per minibatch step. */
    public long broadcastBytes() {
        return broadcastBytes;
    }

    /** The policy's current weights as one broadcast of flat floats. */
    private Broadcast<float[]> broadcastWeights() {
        float[] w = policy.weights().flat().toFloatVector();
        broadcastBytes += 4L * w.length;
        return sc.broadcast(w);
    }

    @Override
    public PpoTrainer.Rollout rollout(int iteration, List<PromptRecord> batch, long[] seeds) {
        List<PpoTasks.RowTask> tasks = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Integer p = promptIndex.get(batch.get(i));
            if (p == null) throw new IllegalArgumentException("prompt " + batch.get(i).id() + " is not one of the run's training prompts");
            tasks.add(new PpoTasks.RowTask(i, p, seeds[i]));
        }
        Broadcast<float[]> w = broadcastWeights();
        List<PpoTasks.RowResult> rows;
        try {
            rows = sc.parallelize(tasks, Math.min(batch.size(), rolloutPartitions)).mapPartitions(new PpoTasks.Rollout(run, w, holdDir)).collect();
        } finally {
            w.destroy();
        }
        int b = batch.size(), maxNew = cfg.rollout().maxNewTokens();
        List<int[]> promptIds = new ArrayList<>(), responseIds = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        boolean[] eos = new boolean[b];
        double[][] lp = new double[b][], ref = new double[b][], val = cfg.critic() ? new double[b][] : null;
        boolean[][] mask = new boolean[b][maxNew];
        double[] raw = new double[b];
        lastPids.clear();
        lastHosts.clear();
        for (int i = 0; i < b; i++) {
            PpoTasks.RowResult r = rows.get(i);
            if (r.row() != i) throw new IllegalStateException("rollout rows came back out of order: " + r.row() + " at " + i);
            promptIds.add(r.promptIds());
            responseIds.add(r.responseIds());
            texts.add(r.text());
            eos[i] = r.eos();
            lp[i] = r.logprobs();
            ref[i] = r.refLogprobs();
            if (val != null) val[i] = r.values();
            for (int j = 0; j < r.responseIds().length; j++) mask[i][j] = true;
            raw[i] = r.rawScore();
            lastPids.add(r.pid());
            lastHosts.add(r.host());
        }
        return new PpoTrainer.Rollout(new PpoTrainer.Samples(batch, promptIds, responseIds, texts, eos),
                new PpoTrainer.Scored(lp, ref, val, mask, raw));
    }

    @Override
    public PpoTrainer.Accumulated gradient(List<PpoLosses.Row> rows, double weight, PpoLosses.Coefficients coef, GptEngine engine) {
        int micro = cfg.ppo().microBatchSize();
        int micros = (rows.size() + micro - 1) / micro;
        int parts = Math.min(micros, slots);
        List<PpoTasks.Slice> slices = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            int from = Math.min(rows.size(), (int) ((long) micros * p / parts) * micro);
            int to = Math.min(rows.size(), (int) ((long) micros * (p + 1) / parts) * micro);
            List<PpoTasks.Row> slice = new ArrayList<>();
            for (PpoLosses.Row r : rows.subList(from, to)) slice.add(PpoTasks.Row.of(r));
            slices.add(new PpoTasks.Slice(p, slice));
        }
        Broadcast<float[]> w = broadcastWeights();
        List<PpoTasks.Part> got;
        try {
            got = sc.parallelize(slices, parts).map(new PpoTasks.Gradient(run, w, weight, coef.klCoef())).collect();
        } finally {
            w.destroy();
        }
        INDArray grad = engine.gradientFlat();
        PpoTrainer.Accumulated acc = PpoTrainer.Accumulated.ZERO;
        for (int p = 0; p < got.size(); p++) {
            PpoTasks.Part part = got.get(p);
            if (part.index() != p) throw new IllegalStateException("gradient slices came back out of order");
            grad.addi(Nd4j.createFromArray(part.gradient()));
            acc = acc.plus(part.accumulated());
        }
        return acc;
    }
}
