package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rlhf4j.policy.bench.Bench;
import org.rlhf4j.policy.bench.Figure;
import org.rlhf4j.policy.bench.Peak;
import org.rlhf4j.policy.bench.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Times one training step, scoring and KV-cache sampling on the PyTorch peer's shapes, reports tokens/s and "
                + "GFLOP/s against a measured ND4J matmul peak, and runs the repository's PyTorch peer (bench/torch_peer.py) for the "
                + "ratio ours / peer's tokens/s (above 1: we are faster).",
                "Measures on random weights; needs no checkpoint. The peer runs when PYTHON imports torch."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--shape", description = "Shape(s) to run: nano, small, gpt2 (repeatable; default: nano and small; gpt2, "
            + "GPT-2 small's 124M parameters, takes minutes per figure).")
    List<String> shapes = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object per line (the peer's keys shape, what, ms, tokens_per_s, plus gflops, peak_fraction, threads, peer_tokens_per_s, ratio) instead of a table.")
    boolean json;

    @Option(names = "--threads", description = "Native threads for us and the peer (default: OMP_NUM_THREADS, else 1).")
    Integer threads;

    @Option(names = "--reps", defaultValue = "3", description = "Timed calls per figure, after two untimed warm-up calls.")
    int reps;

    @Option(names = "--peer", description = "Path of the peer script (default: bench/torch_peer.py in the repository).")
    Path peer;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python that runs the peer; the peer is skipped when it cannot import torch.")
    Path python;

    @Option(names = "--no-peer", description = "Do not run the peer.")
    boolean noPeer;

    private final PrintStream stdout;

    @Inject
    BenchCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        List<Shape> run = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String s : shapes.isEmpty() ? Shape.DEFAULT.stream().map(Shape::name).toList() : shapes) {
            try {
                run.add(Shape.named(s));
            } catch (IllegalArgumentException e) {
                problems.add("--shape: " + e.getMessage());
            }
        }
        int t = threads == null ? Bench.defaultThreads() : threads;
        if (t < 1) problems.add("--threads: expected >= 1, got " + t);
        if (reps < 1) problems.add("--reps: expected >= 1, got " + reps);
        Path script = peer != null ? peer : Bench.defaultPeerScript();
        if (peer != null && !Files.isRegularFile(peer)) problems.add("--peer: no such file " + peer);
        if (!problems.isEmpty()) throw new UserError(String.join("; ", problems));
        boolean withPeer = !noPeer && Files.isRegularFile(script) && Bench.peerAvailable(python);
        if (!noPeer && !withPeer)
            System.err.println("bench: peer skipped (" + (Files.isRegularFile(script) ? python + " cannot import torch" : "no " + script) + ")");

        // 1. matmul peaks at 1 and 2 threads; 2. our figures at t threads; 3. the peer, one shape after ours
        Peak one = Bench.matmulPeak(1, reps), two = Bench.matmulPeak(2, reps);
        Peak mine = t == 1 ? one : t == 2 ? two : Bench.matmulPeak(t, reps);
        Bench.setThreads(t);
        if (json) {
            stdout.println(Bench.json(one));
            stdout.println(Bench.json(two));
        } else {
            stdout.printf("matmul peak: %.1f GFLOP/s at 1 thread (n=%d), %.1f GFLOP/s at 2 threads (n=%d)%n", one.gflops(), one.n(), two.gflops(), two.n());
            stdout.println(Bench.header());
        }
        for (Shape s : run) {
            List<Figure> figs = Bench.measure(s, t, reps, mine);
            if (withPeer) {
                Map<String, Double> p = Bench.runPeer(python, script, t, s, reps);
                figs = Bench.withPeer(figs, p);
            }
            for (Figure f : figs) stdout.println(json ? Bench.json(f).toString() : Bench.row(f));
            stdout.flush();
        }
        return 0;
    }
}
