package org.rlhf4j.policy.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.io.AtomicFiles;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.engine.TokenLoss;

/**
 * The training loop shared by pretraining, SFT and the reward model: gradient accumulation over micro-batches,
 * AdamW with warm-up and cosine decay, global-norm clipping, a non-finite guard, evaluation every N steps, "best" and
 * "last" checkpoints, {@code metrics.jsonl} (one object per logged step) and {@code summary.json}, a progress bar, and
 * exact resume from "last" (weights, optimizer moments, step; the data order is a pure function of the step).
 */
public final class TrainLoop {
    public static final String BEST = "best", LAST = "last", METRICS = "metrics.jsonl", SUMMARY = "summary.json";
    static final ObjectMapper JSON = new ObjectMapper();

    /** What a stage supplies to the loop. */
    public interface Task {
        /**
         * The longest sequence a micro-batch may hold. A micro-batch may be padded shorter (see
         * {@link EngineBatch#paddedLength}); the engine's activation arena is sized for the largest it meets.
         */
        int seqLen();

        /** The micro-batches of optimizer step {@code step} (0-based); a pure function of the step and the seed. */
        Batch batch(long step);

        /** Validation metrics of the current weights; must hold {@link #bestMetric()}. */
        Map<String, Double> evaluate(Policy policy);

        /** The metric that picks the "best" checkpoint (lower is better unless {@link #higherIsBetter()}). */
        default String bestMetric() {
            return "val_loss";
        }

        default boolean higherIsBetter() {
            return false;
        }

        /** Rows of one forward pass, for the up-front memory check (a micro-batch of examples by default). */
        default int rowsPerMicroBatch(LoopConfig cfg) {
            return cfg.microBatchSize();
        }
    }

    /** One forward/backward: what the engine reads and the stage's loss on what it produces. */
    public record Micro(EngineBatch batch, TokenLoss loss) {}

    /** One optimizer step's micro-batches and the number of tokens they hold (for tokens/s). */
    public record Batch(List<Micro> micro, long tokens) {}

    /** A run's outcome. */
    public record Result(ObjectNode summary, Path best, Path last) {}

    /** Raised when too many consecutive updates were non-finite; the last good checkpoint is kept. */
    public static final class NonFiniteException extends RuntimeException {
        NonFiniteException(String m) {
            super(m);
        }
    }

    private final String stage;
    private final LoopConfig cfg;
    private long stopAfter = Long.MAX_VALUE;

    public TrainLoop(String stage, LoopConfig cfg) {
        this.stage = stage;
        this.cfg = cfg;
    }

    /**
     * Ends the run after this optimizer step, writing "last" there as if it were an evaluation point (simulates an
     * interrupted run in tests; {@code --resume} then continues it).
     */
    public TrainLoop stopAfter(long step) {
        this.stopAfter = step;
        return this;
    }

    /**
     * Trains {@code policy} in place.
     *
     * @param provenance stored in every checkpoint
     * @param metadata   stage metadata stored in every checkpoint (may be null)
     * @param resume     continue from {@code out/last} if it exists
     */
    public Result run(Policy policy, Task task, Path out, ObjectNode provenance, JsonNode metadata, boolean resume) throws IOException {
        MemoryEstimate.check(stage, policy.config(), task.rowsPerMicroBatch(cfg), task.seqLen(), MemoryEstimate.available(), 0.8);
        Files.createDirectories(out);
        AdamW opt = new AdamW(cfg.optim());
        GptEngine engine = new GptEngine(policy.weights());
        if (engine.dropoutNote() != null) System.err.println(stage + ": " + engine.dropoutNote());
        Map<String, INDArray> grads = engine.gradients();
        List<ObjectNode> metrics = new ArrayList<>();
        long start = 0;
        Double best = null;
        int skippedTotal = 0;
        long tokensTrained = 0;
        if (resume && Files.exists(out.resolve(LAST))) {
            Checkpoint.Contents c = Checkpoint.load(out.resolve(LAST));
            policy.weights().assignFrom(c.policy().weights());
            JsonNode st = c.trainerState();
            start = st.path("step").asLong();
            opt.load(c.optimizer(), st.path("optimizer_steps").asLong());
            best = st.hasNonNull("best") ? st.get("best").asDouble() : null;
            skippedTotal = st.path("skipped_total").asInt();
            tokensTrained = st.path("tokens_trained").asLong();
            metrics.addAll(readMetrics(out.resolve(METRICS), start));
        }

        long tokensSinceLog = 0;
        long t0 = System.nanoTime(), tLog = t0;
        int consecutiveSkips = 0;
        double lastLoss = Double.NaN;
        Map<String, Double> lastEval = Map.of();
        try (Progress bar = new Progress(stage, cfg.steps())) {
            bar.stepTo(start, "");
            for (long step = start; step < cfg.steps(); step++) {
                Batch b = task.batch(step);
                engine.zeroGrad();
                double loss = 0;
                for (Micro m : b.micro()) {
                    int len = m.batch().len();
                    if (len > task.seqLen()) throw new IllegalStateException(stage + ": a micro-batch of length " + len + " exceeds seq_len " + task.seqLen());
                    Outputs o = engine.forward(m.batch());
                    Outputs.Grads g = Outputs.Grads.zerosLike(o);
                    loss += m.loss().apply(o, g);
                    engine.backward(g);
                }
                double lr = cfg.optim().lrAt(step, cfg.steps());
                AdamW.StepInfo info = Double.isFinite(loss) ? opt.step(policy.weights().arrays(), grads, lr) : new AdamW.StepInfo(false, Double.NaN, lr);
                if (!info.applied()) {
                    skippedTotal++;
                    consecutiveSkips++;
                    if (consecutiveSkips >= cfg.maxConsecutiveSkips())
                        throw new NonFiniteException(stage + ": " + consecutiveSkips + " consecutive updates had a non-finite loss or gradient (last at step " + (step + 1)
                                + "); stopped. The last good checkpoint is " + out.resolve(LAST));
                } else {
                    consecutiveSkips = 0;
                    lastLoss = loss;
                }
                tokensSinceLog += b.tokens();
                tokensTrained += b.tokens();
                long done = step + 1;
                boolean evalNow = done % cfg.evalEvery() == 0 || done == cfg.steps() || done == stopAfter;
                if (done % cfg.logEvery() == 0 || evalNow) {
                    long now = System.nanoTime();
                    ObjectNode m = JSON.createObjectNode();
                    m.put("step", done);
                    m.put("loss", loss);
                    m.put("lr", lr);
                    m.put("grad_norm", info.gradNorm());
                    m.put("skipped", !info.applied());
                    m.put("tokens_per_s", tokensSinceLog / ((now - tLog) / 1e9));
                    m.put("elapsed_s", (now - t0) / 1e9);
                    if (evalNow) {
                        lastEval = task.evaluate(policy);
                        lastEval.forEach(m::put);
                    }
                    metrics.add(m);
                    writeMetrics(out.resolve(METRICS), metrics);
                    bar.stepTo(done, String.format("loss %.4f, %.0f tok/s", loss, m.get("tokens_per_s").asDouble()));
                    tokensSinceLog = 0;
                    tLog = System.nanoTime();
                } else {
                    bar.stepTo(done, String.format("loss %.4f", loss));
                }
                if (evalNow) {
                    Double v = lastEval.get(task.bestMetric());
                    boolean improved = v != null && (best == null || (task.higherIsBetter() ? v > best : v < best));
                    if (improved) {
                        best = v;
                        Checkpoint.save(out.resolve(BEST), policy, provenance, null, trainerState(done, opt, best, skippedTotal, tokensTrained), metadata);
                    }
                    Checkpoint.save(out.resolve(LAST), policy, provenance, opt.state(), trainerState(done, opt, best, skippedTotal, tokensTrained), metadata);
                }
                if (done == stopAfter) break;
            }
        }
        ObjectNode summary = JSON.createObjectNode();
        summary.put("stage", stage);
        summary.put("steps", cfg.steps());
        summary.put("final_train_loss", lastLoss);
        summary.put(task.bestMetric().startsWith("best_") ? task.bestMetric() : "best_" + task.bestMetric(), best == null ? Double.NaN : best);
        summary.put("skipped_updates", skippedTotal);
        summary.put("tokens_trained", tokensTrained);
        summary.put("parameters", policy.parameterCount());
        summary.put("dropout_applied", 0.0);
        ObjectNode last = summary.putObject("final_eval");
        lastEval.forEach(last::put);
        if (!metrics.isEmpty()) summary.put("train_seconds", metrics.get(metrics.size() - 1).path("elapsed_s").asDouble());
        writeJson(out.resolve(SUMMARY), summary);
        // The engine's gradients and arena and the optimizer's moments (at GPT-2 size 1.5 GB of native memory) are
        // garbage once this returns, and are freed only when the collector finds them: collect once, at the end of the
        // run, so the stage's evaluation that follows does not hold them too.
        System.gc();
        return new Result(summary, out.resolve(BEST), out.resolve(LAST));
    }

    private static ObjectNode trainerState(long step, AdamW opt, Double best, int skipped, long tokensTrained) {
        ObjectNode s = JSON.createObjectNode();
        s.put("step", step);
        s.put("optimizer_steps", opt.steps());
        if (best != null) s.put("best", best);
        s.put("skipped_total", skipped);
        s.put("tokens_trained", tokensTrained);
        return s;
    }

    /** Metrics lines up to and including {@code upToStep}; lines after the resumed checkpoint are dropped. */
    public static List<ObjectNode> readMetrics(Path file, long upToStep) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) continue;
            ObjectNode n = (ObjectNode) JSON.readTree(line);
            if (n.path("step").asLong() <= upToStep) out.add(n);
        }
        return out;
    }

    public static void writeMetrics(Path file, List<ObjectNode> metrics) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode m : metrics) sb.append(JSON.writeValueAsString(m)).append('\n');
        AtomicFiles.writeString(file, sb.toString());
    }

    public static void writeJson(Path file, JsonNode node) throws IOException {
        AtomicFiles.writeString(file, JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node) + "\n");
    }
}
