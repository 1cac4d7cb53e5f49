package org.rlhf4j.spark;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Starts the Spark context a config asks for, with what rlhf4j's executors need:
 * <ul>
 *   <li>one native thread per executor ({@code OMP_NUM_THREADS=1}, measured fastest on this project's machines) and an
 *       off-heap cap for ND4J ({@code org.bytedeco.javacpp.maxbytes});</li>
 *   <li>ND4J on the executors' system class path ({@code spark.executor.extraClassPath}), never in {@code --jars}: its
 *       native libraries cannot be loaded by a second class loader. On this machine that is the driver's own class
 *       path; on a real cluster it is wherever {@code spark/target/lib} was installed on the workers;</li>
 *   <li>Java 17's {@code --add-opens} list Spark needs, for executor JVMs;</li>
 *   <li>for a master on this machine, every socket on loopback ({@code spark.driver.host}, {@code bindAddress}).</li>
 * </ul>
 * Settings already in the {@link SparkConf} (from spark-submit or {@code spark-defaults.conf}) are kept.
 */
public final class ClusterSession {
    private ClusterSession() {}

    /** The JVM options of executors (and of an embedded driver): Spark's --add-opens list, built into the jar. */
    public static String jvmOptions() {
        try (InputStream in = ClusterSession.class.getResourceAsStream("/spark-jvm.options")) {
            if (in == null) throw new IllegalStateException("spark-jvm.options is missing from the rlhf4j-spark jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SparkConf conf(ClusterConfig c, String appName) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (c.master() != null) conf.setMaster(c.master());
        if (!conf.contains("spark.master"))
            throw new IllegalStateException("no Spark master: set cluster.master in the config or run under spark-submit --master");
        if (c.onThisMachine() || conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setExecutorEnv("SPARK_LOCAL_IP", "127.0.0.1");
            // local-cluster's executors are JVMs of their own: they get the driver's class path (ND4J on the system class path)
            conf.setIfMissing("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        }
        conf.setExecutorEnv("OMP_NUM_THREADS", "1");
        conf.setIfMissing("spark.executor.memory", c.executorMemoryOrDefault());
        conf.setIfMissing("spark.executor.extraJavaOptions", jvmOptions() + " -Dorg.bytedeco.javacpp.maxbytes=" + c.executorNativeMemoryOrDefault()
                + " -Dorg.bytedeco.javacpp.maxphysicalbytes=0");
        conf.setIfMissing("spark.ui.enabled", "false");
        // a rollout task holds a model replica for seconds to minutes; do not hand its data to another executor meanwhile
        conf.setIfMissing("spark.locality.wait", "0s");
        return conf;
    }

    /** Starts the context; for local-cluster the workers need $SPARK_HOME/jars to exist (it may be empty). */
    public static JavaSparkContext start(ClusterConfig c, String appName) {
        SparkConf conf = conf(c, appName);
        if (conf.get("spark.master").startsWith("local-cluster")) {
            String home = System.getenv("SPARK_HOME");
            if (home == null) throw new IllegalStateException("local-cluster needs SPARK_HOME (a directory with a jars/ folder, which may be empty)");
            new File(home, "jars").mkdirs();
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        return sc;
    }
}
