package org.rlhf4j.spark;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.ppo.RewardFn;

/**
 * The models an executor JVM built, keyed by the id of the run's broadcast: one replica per concurrently running task
 * (an executor with C cores runs C tasks at once, and a model's scoring engine is not shared between threads). A
 * replica's policy weights are overwritten in place when a task brings a newer broadcast of flat floats; nothing else
 * is rebuilt during a run.
 */
final class Replicas {
    private static final Map<String, ConcurrentLinkedDeque<Replica>> POOLS = new ConcurrentHashMap<>();

    private Replicas() {}

    /** One task's models. */
    static final class Replica {
        final PpoConfig config;
        final List<PromptRecord> prompts;
        final Policy policy, reference;
        final RewardFn reward;
        private GptEngine engine;
        /** The id of the weights broadcast the policy holds now. */
        private long weightsId = -1;

        Replica(PpoRun run) {
            Nd4jDefaults.apply();
            config = run.config();
            prompts = run.prompts();
            policy = run.policy().load();
            policy.weights().flat();
            reference = run.reference().load();
            reward = run.reward(run.rewardModel() == null ? null : run.rewardModel().load());
        }

        /** The training engine over the policy's weights (built on first use). */
        GptEngine engine() {
            if (engine == null) engine = new GptEngine(policy.weights());
            return engine;
        }

        void load(Broadcast<float[]> weights) {
            if (weights.id() == weightsId) return;
            float[] w = weights.value();
            if (w.length != policy.parameterCount())
                throw new IllegalStateException("broadcast weights hold " + w.length + " floats, the policy " + policy.parameterCount());
            policy.weights().flat().assign(Nd4j.createFromArray(w));
            weightsId = weights.id();
        }
    }

    /** A replica of the run's models holding the broadcast weights; give it back with {@link #release}. */
    static Replica borrow(Broadcast<PpoRun> run, Broadcast<float[]> weights) {
        ConcurrentLinkedDeque<Replica> pool = POOLS.computeIfAbsent(key(run), k -> {
            POOLS.keySet().removeIf(other -> !other.equals(k));            // a new run: the last one's models go
            return new ConcurrentLinkedDeque<>();
        });
        Replica r = pool.pollFirst();
        if (r == null) r = new Replica(run.value());
        r.load(weights);
        return r;
    }

    /** Broadcast ids restart with each SparkContext, and local mode runs contexts one after the other in one JVM. */
    static String key(Broadcast<?> run) {
        return org.apache.spark.SparkEnv.get().conf().getAppId() + "/" + run.id();
    }

    static void release(Broadcast<PpoRun> run, Replica r) {
        ConcurrentLinkedDeque<Replica> pool = POOLS.get(key(run));
        if (pool != null) pool.addFirst(r);
    }
}
