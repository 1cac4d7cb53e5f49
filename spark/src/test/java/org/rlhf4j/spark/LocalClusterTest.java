package org.rlhf4j.spark;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.ppo.PpoTrainer;

/**
 * local-cluster[2,1,1024]: a standalone master and two workers inside this JVM, each worker starting one executor JVM
 * of its own (1 core, 1 GiB heap). The executors load ND4J from the driver's class path.
 */
class LocalClusterTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ClusterConfig CLUSTER = new ClusterConfig("local-cluster[2,1,1024]", null, "1g", "1g");
    static JavaSparkContext sc;
    /** The single-JVM result both tests compare with. */
    static Ppo.Setup alone;
    static PpoTrainer.Result aloneResult;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Nd4jDefaults.apply();
        sc = ClusterSession.start(CLUSTER, "rlhf4j-test-cluster");
        alone = Tiny.setup(Tiny.config(1));
        aloneResult = Tiny.trainer(alone).run(dir.resolve("alone"), JSON.createObjectNode(), null, false);
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.stop();
    }

    static boolean loopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) if (!a.isLoopbackAddress()) return false;
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Test
    void twoExecutorProcessesRunAnIterationOnLoopbackWithTheSameResult(@TempDir Path dir) throws Exception {
        Ppo.Setup spread = Tiny.setup(Tiny.config(1));
        SparkWorkers w = new SparkWorkers(sc, CLUSTER, spread);
        PpoTrainer.Result r = Tiny.trainer(spread).workers(w).run(dir, JSON.createObjectNode(), null, false);
        long driver = ProcessHandle.current().pid();
        Set<Long> pids = w.lastPids();
        assertEquals(2, pids.size(), "two executor processes ran the rollout: " + pids);
        assertFalse(pids.contains(driver), "no rollout ran in the driver's process " + driver);
        for (long pid : pids) assertTrue(ProcessHandle.of(pid).isPresent(), "executor " + pid + " is a live process on this machine");
        // Spark names a host by its canonical name, "localhost" or "127.0.0.1" depending on the lookup
        for (String h : w.lastHosts()) assertTrue(loopback(h), "the rollout's block managers listen on loopback: " + h);
        for (SparkExecutorInfo e : sc.sc().statusTracker().getExecutorInfos()) assertTrue(loopback(e.host()), "executor and driver hosts: " + e.host());
        assertEquals("127.0.0.1", sc.getConf().get("spark.driver.host"));
        LocalModeTest.assertSameIteration(aloneResult.metrics().get(0), r.metrics().get(0));
        LocalModeTest.assertCloseWeights(alone, spread);
    }

    @Test
    void anExecutorKilledMidRolloutIsReplacedAndTheIterationIsUnchanged(@TempDir Path dir) throws Exception {
        Ppo.Setup spread = Tiny.setup(Tiny.config(1));
        Path hold = Files.createDirectories(dir.resolve("hold"));
        SparkWorkers w = new SparkWorkers(sc, CLUSTER, spread).holdFirstRollout(hold.toString());
        Thread killer = new Thread(() -> {
            try {
                Path pidFile = hold.resolve("pid");
                for (int i = 0; i < 1200 && !Files.exists(pidFile); i++) Thread.sleep(100);
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);      // SIGKILL, mid-task
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        killer.start();
        PpoTrainer.Result r = Tiny.trainer(spread).workers(w).run(dir.resolve("out"), JSON.createObjectNode(), null, false);
        killer.join();
        long killed = Long.parseLong(Files.readString(hold.resolve("pid")).trim());
        assertFalse(ProcessHandle.of(killed).isPresent(), "the held executor " + killed + " was killed");
        assertFalse(w.lastPids().contains(killed), "its task was retried on another executor: " + w.lastPids());
        LocalModeTest.assertSameIteration(aloneResult.metrics().get(0), r.metrics().get(0));
        LocalModeTest.assertCloseWeights(alone, spread);
    }
}
