package org.rlhf4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * The gradient of one optimizer step of a {@link TrainLoop.Task} (pretraining, SFT, the reward model), data-parallel
 * on Spark in MLlib's mini-batch pattern: the weights are broadcast as flat floats, each slice of the step's
 * micro-batches is a task that returns its gradient and summed loss, and the driver adds the slices up in slice order
 * into the engine's gradient buffer, where {@link org.rlhf4j.policy.train.AdamW} takes over as in one JVM.
 *
 * <p>A task's micro-batches carry their own loss weights (1 / the step's target tokens, fixed by the task), so the sum
 * of the slices' gradients is the step's gradient; it differs from the single-JVM one by the float32 rounding of
 * summing per-slice gradients instead of accumulating micro-batch after micro-batch in one buffer. Executors build the
 * task themselves from {@code factory} (its batches are a pure function of the step and the seed), once per run.
 */
public final class DataParallelStep {
    /** Builds the stage's task on an executor; must yield the driver's task (same data, seed and config). */
    public interface TaskFactory extends Serializable {
        TrainLoop.Task build();
    }

    /** What executors receive once: the task's recipe and the model's files (shapes, tokenizer). */
    record Run(TaskFactory factory, ModelFiles model) implements Serializable {}

    private final JavaSparkContext sc;
    private final Broadcast<Run> run;
    private final int slots;

    public DataParallelStep(JavaSparkContext sc, TaskFactory factory, Policy policy) {
        this.sc = sc;
        this.run = sc.broadcast(new Run(factory, ModelFiles.of(policy)));
        this.slots = Math.max(1, sc.defaultParallelism());
    }

    /** A slice's result: its gradient of weight × loss, and its summed loss. */
    record Part(int index, float[] gradient, double loss) implements Serializable {}

    /**
     * Fills {@code engine}'s gradient buffer with step {@code step}'s gradient at {@code policy}'s current weights;
     * returns the step's loss (the sum of its micro-batches' losses, as {@link TrainLoop} logs it).
     */
    public double gradient(long step, int microBatches, Policy policy, GptEngine engine) {
        int parts = Math.min(microBatches, slots);
        List<int[]> slices = new ArrayList<>();
        for (int p = 0; p < parts; p++) slices.add(new int[] {p, (int) ((long) microBatches * p / parts), (int) ((long) microBatches * (p + 1) / parts)});
        Broadcast<float[]> w = sc.broadcast(policy.weights().flat().toFloatVector());
        List<Part> got;
        try {
            got = sc.parallelize(slices, parts).map(new Slice(run, w, step)).collect();
        } finally {
            w.destroy();
        }
        engine.zeroGrad();
        INDArray grad = engine.gradientFlat();
        double loss = 0;
        for (int p = 0; p < got.size(); p++) {
            if (got.get(p).index() != p) throw new IllegalStateException("gradient slices came back out of order");
            grad.addi(Nd4j.createFromArray(got.get(p).gradient()));
            loss += got.get(p).loss();
        }
        return loss;
    }

    /** Micro-batches [from, to) of the step, forward and backward from a zeroed gradient. */
    static final class Slice implements Function<int[], Part> {
        private final Broadcast<Run> run;
        private final Broadcast<float[]> weights;
        private final long step;

        Slice(Broadcast<Run> run, Broadcast<float[]> weights, long step) {
            this.run = run;
            this.weights = weights;
            this.step = step;
        }

        @Override
        public Part call(int[] slice) {
            Replica r = Replica.borrow(run);
            try {
                r.load(weights);
                TrainLoop.Batch b = r.task.batch(step);
                r.engine.zeroGrad();
                double loss = 0;
                for (TrainLoop.Micro m : b.micro().subList(slice[1], slice[2])) {
                    Outputs o = r.engine.forward(m.batch());
                    Outputs.Grads g = Outputs.Grads.zerosLike(o);
                    loss += m.loss().apply(o, g);
                    r.engine.backward(g);
                }
                return new Part(slice[0], r.engine.gradientFlat().toFloatVector(), loss);
            } finally {
                Replica.release(run, r);
            }
        }
    }

    /** One task's copy of the model, engine and task on an executor, pooled per run as in {@link Replicas}. */
    static final class Replica {
        private static final Map<String, ConcurrentLinkedDeque<Replica>> POOLS = new ConcurrentHashMap<>();
        final Policy policy;
        final GptEngine engine;
        final TrainLoop.Task task;
        private long weightsId = -1;

        private Replica(Run run) {
            Nd4jDefaults.apply();
            policy = run.model().load();
            engine = new GptEngine(policy.weights());
            task = run.factory().build();
        }

        static Replica borrow(Broadcast<Run> run) {
            ConcurrentLinkedDeque<Replica> pool = POOLS.computeIfAbsent(Replicas.key(run), k -> {
                POOLS.keySet().removeIf(other -> !other.equals(k));
                return new ConcurrentLinkedDeque<>();
            });
            Replica r = pool.pollFirst();
            return r != null ? r : new Replica(run.value());
        }

        static void release(Broadcast<Run> run, Replica r) {
            ConcurrentLinkedDeque<Replica> pool = POOLS.get(Replicas.key(run));
            if (pool != null) pool.addFirst(r);
        }

        void load(Broadcast<float[]> weights) {
            if (weights.id() == weightsId) return;
            policy.weights().flat().assign(Nd4j.createFromArray(weights.value()));
            weightsId = weights.id();
        }
    }
}
