package org.rlhf4j.spark;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.config.OptionalKey;
import org.rlhf4j.policy.config.Validated;

/**
 * The {@code cluster} section a stage config may carry: which Spark master runs the rollouts and gradients. It is not
 * part of any stage's config record: {@link #split} takes it (and every {@code --set cluster.…}) out of the file's JSON
 * before the stage parses the rest.
 *
 * @param master               a Spark master URL ({@code local[2]}, {@code local-cluster[2,1,1024]},
 *                             {@code spark://host:7077}, {@code yarn}, {@code k8s://…}); null under spark-submit, which
 *                             passes its own
 * @param partitionsPerSlot    rollout partitions per executor core (default 2, so a slow task does not idle the rest)
 * @param executorMemory       each executor's Java heap (default 1g); the weights and activations live off-heap
 * @param executorNativeMemory each executor's off-heap cap for ND4J (org.bytedeco.javacpp.maxbytes, default 2g)
 */
public record ClusterConfig(@OptionalKey @JsonProperty("master") String master,
                            @OptionalKey @JsonProperty("partitions_per_slot") Integer partitionsPerSlot,
                            @OptionalKey @JsonProperty("executor_memory") String executorMemory,
                            @OptionalKey @JsonProperty("executor_native_memory") String executorNativeMemory) implements Validated {
    public static final String KEY = "cluster";
    private static final Pattern MEMORY = Pattern.compile("[1-9][0-9]*[kmgt]");
    private static final Pattern MASTER = Pattern.compile("local(\\[([1-9][0-9]*|\\*)])?|local-cluster\\[[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*]|spark://.+|yarn|k8s://.+");

    public static final ClusterConfig NONE = new ClusterConfig(null, null, null, null);

    public int partitionsPerSlotOrDefault() {
        return partitionsPerSlot == null ? 2 : partitionsPerSlot;
    }

    public String executorMemoryOrDefault() {
        return executorMemory == null ? "1g" : executorMemory;
    }

    public String executorNativeMemoryOrDefault() {
        return executorNativeMemory == null ? "2g" : executorNativeMemory;
    }

    /** Whether the driver and its executors all run on this machine (then every socket is bound to loopback). */
    public boolean onThisMachine() {
        return master != null && master.startsWith("local");
    }

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (master != null && !MASTER.matcher(master).matches())
            p.add(prefix + "master: expected a Spark master URL (local[N], local-cluster[W,C,MB], spark://host:port, yarn, k8s://…), got \"" + master + "\"");
        if (partitionsPerSlot != null && partitionsPerSlot < 1) p.add(prefix + "partitions_per_slot: expected >= 1, got " + partitionsPerSlot);
        if (executorMemory != null && !MEMORY.matcher(executorMemory).matches())
            p.add(prefix + "executor_memory: expected a size such as 1g or 512m, got \"" + executorMemory + "\"");
        if (executorNativeMemory != null && !MEMORY.matcher(executorNativeMemory).matches())
            p.add(prefix + "executor_native_memory: expected a size such as 2g or 512m, got \"" + executorNativeMemory + "\"");
        return p;
    }

    /** What a config file (with its --set overrides) holds: the cluster section and the stage's own JSON. */
    public record Split(ClusterConfig cluster, ObjectNode stage, List<String> stageOverrides) {}

    /** The file's JSON wrapped so that problems are reported under their full key path ({@code cluster.master}). */
    record Holder(@OptionalKey @JsonProperty(KEY) ClusterConfig cluster) implements Validated {
        @Override
        public List<String> problems(String prefix) {
            return cluster == null ? List.of() : cluster.problems(KEY + ".");
        }
    }

    /**
     * Takes the {@code cluster} section out of {@code tree} (in place) and applies the {@code --set cluster.…}
     * overrides to it; the other overrides are returned for the stage. Throws {@link ConfigException} with every
     * problem of the section.
     */
    public static Split split(String source, ObjectNode tree, List<String> overrides) {
        ObjectNode holder = ConfigLoader.JSON.createObjectNode();
        List<String> mine = new ArrayList<>(), theirs = new ArrayList<>();
        for (String o : overrides) (o.startsWith(KEY + ".") ? mine : theirs).add(o);
        if (tree.has(KEY)) holder.set(KEY, tree.remove(KEY));
        else if (!mine.isEmpty()) holder.putObject(KEY);
        ClusterConfig c = ConfigLoader.fromTree(source, holder, Holder.class, mine).config().cluster();
        return new Split(c == null ? NONE : c, tree, theirs);
    }
}
