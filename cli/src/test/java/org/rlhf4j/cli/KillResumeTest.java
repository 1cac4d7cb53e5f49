package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * Crash safety: a real child process running a stage is killed with SIGKILL at a random moment after its first
 * checkpoint, resumed with --resume, and must end with the same weights and the same logged losses, bit for bit, as an
 * uninterrupted run with the same seed (CPU, one native thread: the arithmetic is deterministic).
 */
class KillResumeTest {
    @TempDir
    static Path dir;
    static Path base;

    @BeforeAll
    static void tinyBase() throws Exception {
        Nd4jDefaults.apply();
        Path spec = dir.resolve("model.json");
        Files.writeString(spec, """
                {"model": {"vocab_size": 259, "n_positions": 128, "n_embd": 16, "n_layer": 1, "n_head": 2,
                           "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "dropout": 0.0},
                 "tokenizer": "byte", "seed": 5}
                """);
        base = dir.resolve("base");
        assertEquals(0, Main.execute("init", "--config", spec.toString(), "--out", base.toString()));
    }

    static List<String> sftArgs(Path out) throws Exception {
        return new ArrayList<>(List.of("sft", "--config", Path.of("..", "configs", "sft.json").toString(), "--out", out.toString(),
                "--set", "base=" + base, "--set", "seq_len=128", "--set", "loop.steps=40", "--set", "loop.batch_size=4",
                "--set", "loop.micro_batch_size=2", "--set", "loop.eval_every=2", "--set", "loop.log_every=1", "--set", "eval_examples=4",
                "--set", "gold_sampling.max_new_tokens=4", "--set", "gold_prompts=" + Path.of("src", "test", "resources", "two-prompts.jsonl")));
    }

    static Process start(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child-" + System.nanoTime() + ".log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("RLHF4J_PROGRESS", "off");
        return pb.start();
    }

    /** The stage's arguments for an output directory. */
    @FunctionalInterface
    interface Args {
        List<String> at(Path out) throws Exception;
    }

    /**
     * Runs the stage uninterrupted into {@code name-straight}; runs it again into {@code name-killed}, SIGKILLs it at a
     * random moment after its first checkpoint (asserting it was still running), resumes it, and returns both dirs.
     */
    static Path[] straightAndKilled(String name, Args args) throws Exception {
        Path straight = dir.resolve(name + "-straight"), killed = dir.resolve(name + "-killed");
        Process p = start(args.at(straight));
        while (!Files.exists(straight.resolve(TrainLoop.LAST)) && p.isAlive()) Thread.sleep(20);
        long firstCheckpoint = System.nanoTime();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue());
        // how long the straight run went on after its first checkpoint: the victim is killed at a random point in the
        // first half of that (at most 1.5 s), so that it is still running on a fast machine
        long tailMs = (System.nanoTime() - firstCheckpoint) / 1_000_000;

        Process victim = start(args.at(killed));
        while (!Files.exists(killed.resolve(TrainLoop.LAST)) && victim.isAlive()) Thread.sleep(20);
        long delay = new SplittableRandom().nextLong(0, Math.max(1, Math.min(1500, tailMs / 2)));
        Thread.sleep(delay);
        assertTrue(victim.isAlive(), "the run must still be going when it is killed (" + delay + " ms after its first checkpoint; the straight run went on for " + tailMs + " ms)");
        victim.destroyForcibly(); // SIGKILL on Linux
        victim.waitFor();
        assertEquals(137, victim.exitValue(), "killed by SIGKILL " + delay + " ms after its first checkpoint");

        List<String> resume = args.at(killed);
        resume.add("--resume");
        Process r = start(resume);
        assertTrue(r.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, r.exitValue());
        Policy a = Checkpoint.loadPolicy(straight.resolve(TrainLoop.LAST)), b = Checkpoint.loadPolicy(killed.resolve(TrainLoop.LAST));
        for (String n : a.weights().names()) assertEquals(a.weights().get(n), b.weights().get(n), n + " differs after kill -9 and resume");
        return new Path[] {straight, killed};
    }

    /** The two runs logged the same values of {@code keys}, line by line. */
    static void sameMetrics(Path[] runs, List<String> keys) throws Exception {
        List<String> a = Files.readAllLines(runs[0].resolve(TrainLoop.METRICS)), b = Files.readAllLines(runs[1].resolve(TrainLoop.METRICS));
        assertEquals(a.size(), b.size());
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = om.readTree(a.get(i)), y = om.readTree(b.get(i));
            for (String key : keys) assertEquals(x.get(key), y.get(key), key + " at metrics line " + i);
        }
    }

    @Test
    void sftKilledAtARandomPointResumesToTheSameWeightsAndMetrics() throws Exception {
        Path[] runs = straightAndKilled("sft", KillResumeTest::sftArgs);
        assertTrue(Checkpoint.load(runs[1].resolve(TrainLoop.LAST)).trainerState().get("step").asInt() == 40);
        sameMetrics(runs, List.of("step", "loss", "grad_norm", "lr", "val_loss"));
    }

    static List<String> ppoArgs(Path out, Path sft, Path rm) {
        return new ArrayList<>(List.of("ppo", "--config", Path.of("..", "configs", "ppo.json").toString(), "--out", out.toString(),
                "--set", "sft=" + sft, "--set", "reward_model=" + rm, "--set", "iterations=16", "--set", "batch_size=4",
                "--set", "rollout.max_new_tokens=8", "--set", "rollout.prompt_max_tokens=100", "--set", "ppo.epochs=1",
                "--set", "ppo.minibatch_size=4", "--set", "ppo.micro_batch_size=4", "--set", "checkpoint_every=1",
                "--set", "eval.max_prompts=2", "--set", "eval.sampling.max_new_tokens=4", "--set", "eval.pretrain_docs=1",
                "--set", "ptx_coef=1.0", "--set", "ptx.batch_size=2", "--set", "ptx.seq_len=32", "--set", "kl.mode=adaptive"));
    }

    /** PPO (with the pretraining mix and the adaptive KL controller) killed at a random point, resumed, compared. */
    @Test
    void ppoKilledAtARandomPointResumesToTheSameWeightsAndMetrics() throws Exception {
        Path rm = dir.resolve("rm");
        Policy b = Checkpoint.loadPolicy(base);
        Checkpoint.save(rm, b.withHead(org.rlhf4j.policy.model.GptWeights.Head.REWARD, 9), new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode(), null, null, null);
        Path[] runs = straightAndKilled("ppo", out -> ppoArgs(out, base, rm));
        sameMetrics(runs, List.of("iteration", "rm_score", "kl_per_response", "beta", "policy_loss", "value_loss", "ptx_loss"));
    }

    /** Rankings of three made-up responses for real embedded prompts (family and gold kept for the gold metrics). */
    static Path rankings() throws Exception {
        Path f = dir.resolve("rankings.jsonl");
        if (Files.exists(f)) return f;
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder sb = new StringBuilder();
        var prompts = org.rlhf4j.data.validate.DataFiles.loadPrompts("embedded:prompts.train.jsonl.gz");
        for (int i = 0; i < 12; i++) {
            var p = prompts.get(i * 50);
            var o = om.createObjectNode().put("id", p.id()).put("prompt", p.prompt()).put("family", p.family()).put("annotator", "test");
            o.set("gold", p.gold());
            o.set("responses", om.valueToTree(List.of("A fine answer " + i + ".", "No.", "qqq qqq qqq")));
            o.set("ranking", om.valueToTree(List.of(0, 1, 2)));
            sb.append(om.writeValueAsString(o)).append('\n');
        }
        Files.writeString(f, sb.toString());
        return f;
    }

    static List<String> rewardArgs(Path out) throws Exception {
        Path r = rankings();
        return new ArrayList<>(List.of("reward", "--config", Path.of("..", "configs", "reward.json").toString(), "--out", out.toString(),
                "--set", "sft=" + base, "--set", "train=" + r, "--set", "validation=" + r, "--set", "seq_len=128", "--set", "eval_rankings=4",
                "--set", "loop.steps=40", "--set", "loop.batch_size=4", "--set", "loop.micro_batch_size=2", "--set", "loop.eval_every=2",
                "--set", "loop.log_every=1"));
    }

    @Test
    void rewardTrainingKilledAtARandomPointResumesToTheSameWeightsAndMetrics() throws Exception {
        Path[] runs = straightAndKilled("rm", KillResumeTest::rewardArgs);
        sameMetrics(runs, List.of("step", "loss", "grad_norm", "val_accuracy"));
    }
}
