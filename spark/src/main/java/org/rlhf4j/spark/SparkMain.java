package org.rlhf4j.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.ppo.PpoTrainer;

/**
 * The Spark driver program: {@code ppo --config FILE --out DIR [--set key=value]… [--resume]}, the options of
 * {@code ./rlhf4j ppo}. The launcher starts it (embedded, in its own JVM with Spark on the class path) when a config
 * names {@code cluster.master}; {@code spark-submit --class org.rlhf4j.spark.SparkMain} starts it on a cluster.
 */
public final class SparkMain {
    private SparkMain() {}

    /** The parsed command line. */
    record Args(String stage, Path config, Path out, List<String> overrides, boolean resume) {
        List<String> command() {
            List<String> c = new ArrayList<>(List.of(stage, "--config", config.toString(), "--out", out.toString()));
            for (String o : overrides) c.addAll(List.of("--set", o));
            if (resume) c.add("--resume");
            return c;
        }
    }

    static Args parse(String[] a) {
        if (a.length == 0 || !a[0].equals("ppo")) throw new IllegalArgumentException("usage: ppo --config FILE --out DIR [--set key=value]... [--resume]");
        Path config = null, out = null;
        List<String> overrides = new ArrayList<>();
        boolean resume = false;
        for (int i = 1; i < a.length; i++) {
            switch (a[i]) {
                case "--config" -> config = Path.of(value(a, ++i, "--config"));
                case "--out" -> out = Path.of(value(a, ++i, "--out"));
                case "--set" -> overrides.add(value(a, ++i, "--set"));
                case "--resume" -> resume = true;
                default -> throw new IllegalArgumentException("unknown option " + a[i] + " (expected --config, --out, --set, --resume)");
            }
        }
        if (config == null || out == null) throw new IllegalArgumentException("--config and --out are required");
        return new Args(a[0], config, out, overrides, resume);
    }

    private static String value(String[] a, int i, String option) {
        if (i >= a.length) throw new IllegalArgumentException(option + " needs a value");
        return a[i];
    }

    /** The stage's config and the cluster section, every problem of both reported at once. */
    record Configs(ConfigLoader.Loaded<PpoConfig> stage, ClusterConfig cluster) {}

    static Configs load(Args args) {
        String source = args.config().toString();
        ObjectNode tree;
        try {
            JsonNode n = ConfigLoader.JSON.readTree(Files.readString(args.config()));
            if (n == null || !n.isObject()) throw new ConfigException(source, List.of("(root): expected a JSON object"));
            tree = (ObjectNode) n;
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of(source + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(source, List.of(source + ": cannot read (" + e.getMessage() + ")"));
        }
        List<String> problems = new ArrayList<>();
        List<String> stageOverrides = new ArrayList<>();
        for (String o : args.overrides()) if (!o.startsWith(ClusterConfig.KEY + ".")) stageOverrides.add(o);
        ClusterConfig cluster = null;
        try {
            cluster = ClusterConfig.split(source, tree, args.overrides()).cluster();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            tree.remove(ClusterConfig.KEY);
        }
        ConfigLoader.Loaded<PpoConfig> stage = null;
        try {
            stage = ConfigLoader.fromTree(source, tree, PpoConfig.class, stageOverrides);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) throw new ConfigException(source, problems);
        return new Configs(stage, cluster);
    }

    public static void main(String[] argv) {
        int code;
        try {
            code = run(parse(argv));
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("error: " + e.getMessage());
            code = 2;
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage());
            if (System.getenv("RLHF4J_DEBUG") != null) e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    static int run(Args args) throws IOException {
        Nd4jDefaults.apply();
        Configs c = load(args);
        JavaSparkContext sc = ClusterSession.start(c.cluster(), "rlhf4j " + args.stage());
        try {
            SparkWorkers[] used = new SparkWorkers[1];
            PpoTrainer.Result r = Ppo.run(c.stage(), args.out(), args.resume(), args.command(), (setup, prov) -> {
                used[0] = new SparkWorkers(sc, c.cluster(), setup);
                ObjectNode cl = prov.putObject(ClusterConfig.KEY);
                cl.put("master", sc.master());
                cl.put("spark_version", sc.version());
                cl.put("default_parallelism", sc.defaultParallelism());
                cl.put("partitions_per_slot", c.cluster().partitionsPerSlotOrDefault());
                return used[0];
            });
            System.out.println(r.summary().toPrettyString());
            if (used[0] != null)
                System.err.printf("spark: %s, default parallelism %d; %.1f MB broadcast in all%n", sc.master(), sc.defaultParallelism(), used[0].broadcastBytes() / 1e6);
            return 0;
        } finally {
            sc.stop();
        }
    }
}
