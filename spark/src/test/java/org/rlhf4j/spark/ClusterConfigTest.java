package org.rlhf4j.spark;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.policy.config.ConfigException;

class ClusterConfigTest {
    static final String PPO = Path.of(System.getProperty("user.dir")).resolveSibling("configs/ppo.json").toString();

    @Test
    void theClusterSectionAndItsOverridesLeaveTheStageConfigUntouched() {
        SparkMain.Configs c = SparkMain.load(SparkMain.parse(new String[] {"ppo", "--config", PPO, "--out", "x",
                "--set", "cluster.master=local[2]", "--set", "iterations=3", "--set", "cluster.partitions_per_slot=3"}));
        assertEquals("local[2]", c.cluster().master());
        assertEquals(3, c.cluster().partitionsPerSlotOrDefault());
        assertEquals(3, c.stage().config().iterations());
        assertFalse(c.stage().resolved().has("cluster"), "the stage's resolved config has no cluster key");
    }

    @Test
    void everyProblemOfBothSectionsIsReportedAtOnceWithItsKeyPath(@TempDir Path dir) throws Exception {
        String json = Files.readString(Path.of(PPO)).replaceFirst("\\{", "{\"cluster\": {\"master\": \"local[two]\", \"partitions_per_slot\": 0, \"executor_memory\": \"lots\", \"cores\": 4},");
        Path f = Files.writeString(dir.resolve("ppo.json"), json);
        ConfigException e = assertThrows(ConfigException.class, () -> SparkMain.load(SparkMain.parse(new String[] {"ppo", "--config", f.toString(),
                "--out", "x", "--set", "batch_size=0"})));
        List<String> p = e.problems();
        assertTrue(p.stream().anyMatch(s -> s.startsWith("cluster.cores: unknown key")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("batch_size")), "the stage's problems come in the same report: " + p);
        // shape problems stop the section before its values are checked; a well-shaped section reports every bad value
        Path g = Files.writeString(dir.resolve("ppo2.json"), json.replace(", \"cores\": 4", ""));
        ConfigException e2 = assertThrows(ConfigException.class, () -> SparkMain.load(SparkMain.parse(new String[] {"ppo", "--config", g.toString(), "--out", "x"})));
        List<String> p2 = e2.problems();
        assertTrue(p2.stream().anyMatch(s -> s.startsWith("cluster.master: expected a Spark master URL")), p2.toString());
        assertTrue(p2.stream().anyMatch(s -> s.startsWith("cluster.partitions_per_slot: expected >= 1")), p2.toString());
        assertTrue(p2.stream().anyMatch(s -> s.startsWith("cluster.executor_memory: expected a size")), p2.toString());
    }

    @Test
    void aLocalMasterKeepsEveryEndpointOnLoopbackAndEachExecutorOnOneNativeThread() {
        SparkConf conf = ClusterSession.conf(new ClusterConfig("local-cluster[2,1,1024]", null, null, "3g"), "t");
        assertEquals("127.0.0.1", conf.get("spark.driver.host"));
        assertEquals("127.0.0.1", conf.get("spark.driver.bindAddress"));
        assertEquals("1", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("-Dorg.bytedeco.javacpp.maxbytes=3g"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        SparkConf cluster = ClusterSession.conf(new ClusterConfig("spark://head:7077", null, null, null), "t");
        assertFalse(cluster.contains("spark.driver.host"), "a real cluster's driver must be reachable from the workers");
    }
}
