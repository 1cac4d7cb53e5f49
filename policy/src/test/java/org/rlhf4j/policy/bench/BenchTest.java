package org.rlhf4j.policy.bench;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rlhf4j.policy.Nd4jDefaults;

class BenchTest {
    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    @Test
    void shapesAreThePeers() {
        Shape nano = Shape.named("nano"), small = Shape.named("small");
        assertEquals(new Shape("nano", 512, 128, 4, 4, 128, 16, 32, 96), nano);
        assertEquals(new Shape("small", 8192, 256, 6, 8, 256, 8, 64, 128), small);
        assertEquals(16 * 127, nano.sequenceTokens());
        assertEquals(16 * 96, nano.generatedTokens());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.named("huge"));
        assertTrue(e.getMessage().contains("huge"));
    }

    @Test
    void gpt2IsGpt2SmallAndNotRunByDefault() {
        Shape gpt2 = Shape.named("gpt2");
        assertEquals(new Shape("gpt2", 50257, 768, 12, 12, 256, 2, 32, 32), gpt2);
        assertEquals(124_439_808L, gpt2.config().parameterCount() - 256 * 768 + 1024 * 768, "GPT-2 small with 1024 positions");
        assertEquals(List.of(Shape.NANO, Shape.SMALL), Shape.DEFAULT);
        assertTrue(Shape.ALL.containsAll(Shape.DEFAULT));
    }

    /** The peer is the repository's own bench/torch_peer.py, and its SHAPES and default list are ours. */
    @Test
    void thePeerScriptIsInTheRepositoryWithTheSameShapes() throws Exception {
        Path script = Path.of("..").resolve(Bench.PEER_SCRIPT); // Surefire runs in the module directory
        assertTrue(Files.isRegularFile(script), script.toAbsolutePath().normalize() + " is missing");
        String text = Files.readString(script);
        Pattern line = Pattern.compile("\"(\\w+)\": dict\\(vocab=(\\d+), d=(\\d+), layers=(\\d+), heads=(\\d+), ctx=(\\d+), batch=(\\d+), prompt=(\\d+), new=(\\d+)\\)");
        List<Shape> peer = new ArrayList<>();
        for (Matcher m = line.matcher(text); m.find(); ) {
            int[] n = new int[8];
            for (int i = 0; i < 8; i++) n[i] = Integer.parseInt(m.group(i + 2));
            peer.add(new Shape(m.group(1), n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]));
        }
        assertEquals(Shape.ALL, peer);
        String defaults = "DEFAULT_SHAPES = [" + String.join(", ", Shape.DEFAULT.stream().map(s -> "\"" + s.name() + "\"").toList()) + "]";
        assertTrue(text.contains(defaults), "the peer's default shapes are not " + defaults);
    }

    @Test
    void measuresTheThreeFiguresOnATinyShape() {
        Shape tiny = new Shape("tiny", 64, 16, 1, 2, 16, 2, 4, 6);
        Peak peak = new Peak(1, 64, 10.0);
        List<Figure> f = Bench.measure(tiny, 1, 1, peak);
        assertEquals(List.of("train", "score", "generate"), f.stream().map(Figure::what).toList());
        for (Figure x : f) {
            assertTrue(x.ms() > 0 && x.tokensPerS() > 0 && x.gflops() > 0, x.toString());
            assertEquals(x.gflops() / 10.0, x.peakFraction(), 1e-12);
            assertTrue(Double.isNaN(x.ratio()), "no peer, no ratio");
        }
        assertEquals(tiny.sequenceTokens() / (f.get(1).ms() / 1e3), f.get(1).tokensPerS(), 1e-6 * f.get(1).tokensPerS());
    }

    @Test
    void readsThePeersLinesAndComputesRatios() throws Exception {
        List<String> lines = List.of("/usr/lib/python3/dist-packages/torch: UserWarning: something",
                "{\"shape\": \"nano\", \"what\": \"train\", \"ms\": 200.0, \"tokens_per_s\": 10000.0, \"threads\": 1}",
                "{\"shape\": \"nano\", \"what\": \"generate\", \"ms\": 250.0, \"tokens_per_s\": 6000.0, \"threads\": 1}",
                "{\"shape\": \"small\", \"what\": \"train\", \"ms\": 1300.0, \"tokens_per_s\": 1500.0, \"threads\": 1}");
        Map<String, Double> p = Bench.parsePeer(lines, "nano");
        assertEquals(Map.of("train", 10000.0, "generate", 6000.0), p);
        List<Figure> ours = List.of(new Figure("nano", "train", 100, 5000, 1, 0.1, 1, Double.NaN),
                new Figure("nano", "score", 10, 9000, 1, 0.1, 1, Double.NaN),
                new Figure("nano", "generate", 10, 12000, 1, 0.1, 1, Double.NaN));
        List<Figure> both = Bench.withPeer(ours, p);
        assertEquals(0.5, both.get(0).ratio(), 1e-12);
        assertTrue(Double.isNaN(both.get(1).ratio()));
        assertEquals(2.0, both.get(2).ratio(), 1e-12);
        ObjectNode j = Bench.json(both.get(0));
        for (String k : List.of("shape", "what", "ms", "tokens_per_s", "gflops", "peak_fraction", "threads", "peer_tokens_per_s", "ratio"))
            assertTrue(j.has(k), k);
        assertFalse(Bench.json(both.get(1)).has("ratio"));
        assertThrows(java.io.IOException.class, () -> Bench.parsePeer(lines, "medium"));
    }
}
