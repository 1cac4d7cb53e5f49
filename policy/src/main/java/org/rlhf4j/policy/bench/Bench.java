package org.rlhf4j.policy.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.generate.Generator;
import org.rlhf4j.policy.generate.SamplingConfig;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.IdsTokenizer;
import org.rlhf4j.policy.engine.GptEngine;
import org.rlhf4j.policy.engine.Outputs;
import org.rlhf4j.policy.train.AdamW;
import org.rlhf4j.policy.train.LmLoss;
import org.rlhf4j.policy.train.OptimConfig;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * Times the three costs that dominate RLHF (one training step, scoring, KV-cache sampling) on the peer's shapes
 * ({@link Shape}), converts them to achieved GFLOP/s against a matmul peak measured in the same process, and runs the
 * PyTorch peer ({@value #PEER_SCRIPT}) to report ours / peer's tokens per second. Each figure is timed like
 * the peer: two untimed warm-up calls, then the mean of {@code reps} calls.
 *
 * <ol>
 *   <li>{@link #setThreads}: native threads (OpenMP pool and OpenBLAS) for everything that follows.</li>
 *   <li>{@link #matmulPeak}: best float32 n³ matmul throughput (n = 1024, 2048).</li>
 *   <li>{@link #measure}: train, score and generate on a random-weight model of the shape.</li>
 *   <li>{@link #runPeer}: the peer's tokens/s for the same shape and threads, attached with {@link Figure#withPeer}.</li>
 * </ol>
 */
public final class Bench {
    /** The PyTorch peer, relative to the repository root. */
    public static final String PEER_SCRIPT = "bench/torch_peer.py";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Bench() {}

    // ---- 1. threads ---------------------------------------------------------------------------------------------

    /** Sets ND4J's native thread counts (its OpenMP pool and OpenBLAS) for this process. */
    public static void setThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads: expected >= 1, got " + threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** OMP_NUM_THREADS if set (the launcher sets 1), else 1. */
    public static int defaultThreads() {
        try {
            return Math.max(1, Integer.parseInt(System.getenv().getOrDefault("OMP_NUM_THREADS", "1").trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    // ---- 2. matmul peak -----------------------------------------------------------------------------------------

    /** The best float32 matmul GFLOP/s over n = 1024 and 2048 at {@code threads} threads (restores nothing). */
    public static Peak matmulPeak(int threads, int reps) {
        setThreads(threads);
        Peak best = null;
        for (int n : new int[] {1024, 2048}) {
            INDArray a = Nd4j.rand(DataType.FLOAT, n, n), b = Nd4j.rand(DataType.FLOAT, n, n);
            INDArray c = Nd4j.create(DataType.FLOAT, n, n);
            double sec = timed(() -> a.mmuli(b, c), reps);
            double gflops = 2.0 * n * n * (double) n / sec / 1e9;
            if (best == null || gflops > best.gflops()) best = new Peak(threads, n, gflops);
            a.close();
            b.close();
            c.close();
        }
        return best;
    }

    // ---- 3. our figures -----------------------------------------------------------------------------------------

    /** A random-weight policy of the shape (GPT-2 init, seed 0) with an ids tokenizer (BOS 0, EOS 1). */
    public static Policy policy(Shape s) {
        GptConfig c = s.config();
        return new Policy(c, new IdsTokenizer(s.vocab(), 0, 1), GptWeights.init(c, 0, DataType.FLOAT));
    }

    /** Train, score and generate for one shape, at the threads already set; {@code peak} for the fractions. */
    public static List<Figure> measure(Shape s, int threads, int reps, Peak peak) {
        Policy p = policy(s);
        List<int[]> seqs = randomRows(s.batch(), s.ctx(), s.vocab(), 1);
        List<Figure> out = new ArrayList<>();
        GptConfig c = s.config();
        double seqFlops = s.sequenceTokens() * c.forwardFlopsPerToken(s.ctx() - 1);
        out.add(figure(s, "train", timeTrain(p, seqs, reps), s.sequenceTokens(), 3 * seqFlops, threads, peak));
        out.add(figure(s, "score", timed(() -> p.score(seqs, 1.0, false, false), reps), s.sequenceTokens(), seqFlops, threads, peak));
        out.add(figure(s, "generate", timeGenerate(p, s, reps), s.generatedTokens(), generateFlops(s), threads, peak));
        return out;
    }

    /**
     * One optimizer step as the trainers take it: LmLoss over every next token of [batch, ctx], forward + backward on
     * the training engine ({@link GptEngine}), {@link AdamW} (lr 3e-4, weight decay 0.01, no clipping:
     * torch.optim.AdamW defaults, as the peer). The engine and its arena are built once, outside the timing.
     */
    static double timeTrain(Policy p, List<int[]> seqs, int reps) {
        int len = seqs.get(0).length;
        GptEngine engine = new GptEngine(p.weights());
        TokenBatch batch = TokenBatch.rightPadded(seqs, len);
        TrainLoop.Micro m = LmLoss.micro(batch, null, 1.0 / LmLoss.countTargets(batch, null));
        Map<String, INDArray> grads = engine.gradients();
        AdamW opt = new AdamW(new OptimConfig(3e-4, 3e-4, 0, 0.01, 0.9, 0.999, 1e-8, 0.0));
        return timed(() -> {
            engine.zeroGrad();
            Outputs o = engine.forward(m.batch());
            Outputs.Grads g = Outputs.Grads.zerosLike(o);
            m.loss().apply(o, g);
            engine.backward(g);
            opt.step(p.weights().arrays(), grads, 3e-4);
        }, reps);
    }

    /** Sampling at temperature 1 from random prompts, EOS ignored so every row makes exactly newTokens tokens. */
    static double timeGenerate(Policy p, Shape s, int reps) {
        List<int[]> prompts = randomRows(s.batch(), s.prompt(), s.vocab(), 2);
        SamplingConfig cfg = SamplingConfig.sample(1.0, s.newTokens()).withIgnoreEos(true);
        return timed(() -> {
            Generator.Result r = p.generate(prompts, cfg, 7L);
            for (int[] row : r.tokens())
                if (row.length != s.newTokens()) throw new IllegalStateException("a row stopped after " + row.length + " of " + s.newTokens() + " tokens");
        }, reps);
    }

    /** Prefill of batch·prompt tokens plus batch·new decoded tokens, each at its own context length. */
    static double generateFlops(Shape s) {
        GptConfig c = s.config();
        double f = 0;
        for (int t = 0; t < s.newTokens(); t++) f += c.forwardFlopsPerToken(s.prompt() + t + 1);
        return s.batch() * (s.prompt() * c.forwardFlopsPerToken(s.prompt()) + f);
    }

    static Figure figure(Shape s, String what, double sec, long tokens, double flops, int threads, Peak peak) {
        double gflops = flops / sec / 1e9;
        return new Figure(s.name(), what, sec * 1e3, tokens / sec, gflops, peak == null ? Double.NaN : gflops / peak.gflops(), threads, Double.NaN);
    }

    static List<int[]> randomRows(int rows, int len, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) out.add(r.ints(len, 0, vocab).toArray());
        return out;
    }

    /** Mean seconds per call after two untimed warm-up calls, as the peer times. */
    static double timed(Runnable fn, int reps) {
        fn.run();
        fn.run();
        long t = System.nanoTime();
        for (int i = 0; i < reps; i++) fn.run();
        return (System.nanoTime() - t) / 1e9 / reps;
    }

    // ---- 4. the peer --------------------------------------------------------------------------------------------

    /**
     * The repository's {@value #PEER_SCRIPT}: under the launcher's {@code rlhf4j.home} (the repository root) when set,
     * else under the working directory.
     */
    public static Path defaultPeerScript() {
        String home = System.getProperty("rlhf4j.home");
        Path root = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        return root.resolve(PEER_SCRIPT).normalize();
    }

    /** Whether {@code python} exists and imports torch. */
    public static boolean peerAvailable(Path python) {
        if (!Files.isExecutable(python)) return false;
        try {
            Process p = new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs {@code OPENBLAS_NUM_THREADS=1 python script --threads T --shape S --reps R} and returns its tokens/s by
     * figure name ("train", "score", "generate").
     */
    public static Map<String, Double> runPeer(Path python, Path script, int threads, Shape s, int reps) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python.toString(), script.toString(), "--threads", String.valueOf(threads),
                "--shape", s.name(), "--reps", String.valueOf(reps)).redirectErrorStream(true);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process proc = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        }
        int rc = proc.waitFor();
        if (rc != 0) throw new IOException("peer " + script + " exited with " + rc + ":\n" + String.join("\n", lines));
        return parsePeer(lines, s.name());
    }

    /** The peer's JSON lines for one shape → tokens/s by figure; other lines (warnings) are skipped. */
    public static Map<String, Double> parsePeer(List<String> lines, String shape) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : lines) {
            if (!line.startsWith("{")) continue;
            JsonNode n = JSON.readTree(line);
            if (shape.equals(n.path("shape").asText())) out.put(n.path("what").asText(), n.path("tokens_per_s").asDouble());
        }
        if (out.isEmpty()) throw new IOException("peer printed no figure for shape " + shape + ":\n" + String.join("\n", lines));
        return out;
    }

    /** Attaches the peer's tokens/s to our figures of the same name. */
    public static List<Figure> withPeer(List<Figure> ours, Map<String, Double> peer) {
        List<Figure> out = new ArrayList<>();
        for (Figure f : ours) out.add(peer.containsKey(f.what()) ? f.withPeer(peer.get(f.what())) : f);
        return out;
    }

    // ---- output -------------------------------------------------------------------------------------------------

    /** One figure as the peer's JSON keys plus ours; NaN fields (no peer) are left out. */
    public static ObjectNode json(Figure f) {
        ObjectNode o = JSON.createObjectNode();
        o.put("shape", f.shape());
        o.put("what", f.what());
        o.put("ms", round(f.ms(), 2));
        o.put("tokens_per_s", round(f.tokensPerS(), 1));
        o.put("gflops", round(f.gflops(), 2));
        if (!Double.isNaN(f.peakFraction())) o.put("peak_fraction", round(f.peakFraction(), 4));
        o.put("threads", f.threads());
        if (!Double.isNaN(f.peerTokensPerS())) {
            o.put("peer_tokens_per_s", round(f.peerTokensPerS(), 1));
            o.put("ratio", round(f.ratio(), 3));
        }
        return o;
    }

    public static ObjectNode json(Peak p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("what", "matmul_peak");
        o.put("threads", p.threads());
        o.put("n", p.n());
        o.put("gflops", round(p.gflops(), 2));
        return o;
    }

    /** A fixed-width table line for one figure. */
    public static String row(Figure f) {
        String peer = Double.isNaN(f.peerTokensPerS()) ? String.format("%10s %7s", "-", "-")
                : String.format("%10.1f %7.3f", f.peerTokensPerS(), f.ratio());
        return String.format("%-6s %-9s %3d %10.2f %10.1f %8.2f %6.1f%% %s", f.shape(), f.what(), f.threads(), f.ms(), f.tokensPerS(),
                f.gflops(), 100 * f.peakFraction(), peer);
    }

    public static String header() {
        return String.format("%-6s %-9s %3s %10s %10s %8s %7s %10s %7s", "shape", "what", "thr", "ms", "tokens/s", "GFLOP/s", "peak", "peer tok/s", "ratio");
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
