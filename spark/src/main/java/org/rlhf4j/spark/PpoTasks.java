package org.rlhf4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.ppo.PpoLosses;
import org.rlhf4j.ppo.PpoTrainer;

/**
 * What runs on the executors, and the plain values that travel to and from them. Closures hold broadcast handles and
 * row indices only, never weights (Spark's RPC messages are size-limited, and a closure is shipped with every task).
 */
final class PpoTasks {
    private PpoTasks() {}

    /** Row {@code row} of an iteration's batch: prompt {@code prompt} of the run's prompt list, sampled with {@code seed}. */
    record RowTask(int row, int prompt, long seed) implements Serializable {}

    /** One row's rollout, in plain arrays (columns = response tokens, as in {@link PpoTrainer.Scored}). */
    record RowResult(int row, int[] promptIds, int[] responseIds, String text, boolean eos, double[] logprobs, double[] refLogprobs,
                     double[] values, double rawScore, long pid, String host) implements Serializable {}

    /**
     * Steps 1–2 for one partition's rows on one replica: generate, then score with the policy, the reference, the value
     * head and the reward model, in the same task.
     */
    static final class Rollout implements FlatMapFunction<Iterator<RowTask>, RowResult> {
        private final Broadcast<PpoRun> run;
        private final Broadcast<float[]> weights;
        /** Tests only: the first attempt of partition 0 writes its process id here and waits to be killed. */
        private final String holdDir;

        Rollout(Broadcast<PpoRun> run, Broadcast<float[]> weights, String holdDir) {
            this.run = run;
            this.weights = weights;
            this.holdDir = holdDir;
        }

        @Override
        public Iterator<RowResult> call(Iterator<RowTask> it) {
            List<RowTask> tasks = new ArrayList<>();
            it.forEachRemaining(tasks::add);
            if (tasks.isEmpty()) return List.<RowResult>of().iterator();
            Replicas.Replica r = Replicas.borrow(run, weights);
            try {
                holdIfAsked();
                List<PromptRecord> prompts = new ArrayList<>();
                long[] seeds = new long[tasks.size()];
                for (int i = 0; i < tasks.size(); i++) {
                    prompts.add(r.prompts.get(tasks.get(i).prompt()));
                    seeds[i] = tasks.get(i).seed();
                }
                PpoTrainer.Samples s = PpoTrainer.sample(r.config, r.policy, prompts, seeds);
                PpoTrainer.Scored sc = PpoTrainer.score(r.config, r.policy, r.reference, r.reward, s);
                long pid = ProcessHandle.current().pid();
                String host = org.apache.spark.SparkEnv.get().blockManager().blockManagerId().host();
                List<RowResult> out = new ArrayList<>();
                for (int i = 0; i < tasks.size(); i++)
                    out.add(new RowResult(tasks.get(i).row(), s.promptIds().get(i), s.responseIds().get(i), s.texts().get(i), s.eos()[i],
                            sc.logprobs()[i], sc.refLogprobs()[i], sc.values() == null ? null : sc.values()[i], sc.rawScores()[i], pid, host));
                return out.iterator();
            } finally {
                Replicas.release(run, r);
            }
        }

        private void holdIfAsked() {
            TaskContext ctx = TaskContext.get();
            if (holdDir == null || ctx.partitionId() != 0 || ctx.attemptNumber() != 0 || ctx.stageAttemptNumber() != 0) return;
            try {
                Path tmp = Path.of(holdDir, "pid.tmp");
                Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()));
                Files.move(tmp, Path.of(holdDir, "pid"));
                Thread.sleep(120_000);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A PPO row as it travels (the record of {@link PpoLosses} is not Serializable). */
    record Row(int[] sequence, int promptLength, double[] oldLogprobs, double[] advantages, double[] returns, double[] oldValues,
               double[] refLogprobs) implements Serializable {
        static Row of(PpoLosses.Row r) {
            return new Row(r.sequence(), r.promptLength(), r.oldLogprobs(), r.advantages(), r.returns(), r.oldValues(), r.refLogprobs());
        }

        PpoLosses.Row toRow() {
            return new PpoLosses.Row(sequence, promptLength, oldLogprobs, advantages, returns, oldValues, refLogprobs);
        }
    }

    /** Slice {@code index} of a minibatch: whole micro-batches of it. */
    record Slice(int index, List<Row> rows) implements Serializable {}

    /** A slice's gradient of weight × its summed token loss, its loss terms and statistics. */
    record Part(int index, float[] gradient, double policy, double value, double entropy, double kl, double total, int statTokens,
                double approxKl, int clipped, int valueClipped, double maxAbsRatioDev, long tokens) implements Serializable {
        PpoTrainer.Accumulated accumulated() {
            return new PpoTrainer.Accumulated(policy, value, entropy, kl, total,
                    new PpoLosses.Stats(statTokens, approxKl, clipped, valueClipped, maxAbsRatioDev), tokens);
        }
    }

    /** The gradient of one slice on one replica, from a zeroed gradient buffer. */
    static final class Gradient implements Function<Slice, Part> {
        private final Broadcast<PpoRun> run;
        private final Broadcast<float[]> weights;
        private final double weight;
        /** This iteration's β for the KL loss term (0 without one): the rest of the coefficients come from the config. */
        private final double klCoef;

        Gradient(Broadcast<PpoRun> run, Broadcast<float[]> weights, double weight, double klCoef) {
            this.run = run;
            this.weights = weights;
            this.weight = weight;
            this.klCoef = klCoef;
        }

        @Override
        public Part call(Slice slice) {
            Replicas.Replica r = Replicas.borrow(run, weights);
            try {
                List<PpoLosses.Row> rows = new ArrayList<>();
                for (Row row : slice.rows()) rows.add(row.toRow());
                GptEngine e = r.engine();
                e.zeroGrad();
                PpoTrainer.Accumulated a = PpoTrainer.accumulate(r.config, PpoLosses.Coefficients.of(r.config).withKlCoef(klCoef), e, rows, weight);
                PpoLosses.Stats st = a.stats();
                return new Part(slice.index(), e.gradientFlat().toFloatVector(), a.policy(), a.value(), a.entropy(), a.kl(), a.total(), st.tokens(),
                        st.approxKl(), st.clipped(), st.valueClipped(), st.maxAbsRatioDev(), a.tokens());
            } finally {
                Replicas.release(run, r);
            }
        }
    }
}
