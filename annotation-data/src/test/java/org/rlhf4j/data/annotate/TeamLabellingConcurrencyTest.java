package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;

/**
 * Sixteen people at once on one server over loopback HTTP, each item wanted twice: nobody's work is refused, every
 * item ends with exactly two rankings by two different people, every acknowledged ranking is in the file, and the run
 * ends by itself. Then the same with the server (a JVM of its own) killed with SIGKILL in the middle and restarted.
 */
class TeamLabellingConcurrencyTest {
    static final int PEOPLE = 16, ITEMS = 60, OVERLAP = 2;
    static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private static List<Labeller.Result> labelAll(Supplier<URI> base, AtomicInteger acks, Runnable meanwhile) throws Exception {
        ExecutorService people = Executors.newFixedThreadPool(PEOPLE);
        try {
            List<Future<Labeller.Result>> running = new ArrayList<>();
            for (int p = 1; p <= PEOPLE; p++) running.add(people.submit(new Labeller(String.format("p%02d", p), base, acks, PATIENCE)));
            meanwhile.run();
            List<Labeller.Result> results = new ArrayList<>();
            for (Future<Labeller.Result> f : running) results.add(f.get(PATIENCE.toSeconds() + 10, TimeUnit.SECONDS));
            return results;
        } finally {
            people.shutdownNow();
        }
    }

    /** Every item has exactly OVERLAP rankings by OVERLAP different people, and every acknowledged ranking is in the file. */
    private static void assertCompleteAndNothingLost(Path out, List<Labeller.Result> results) {
        List<Ranking> saved = DataFiles.loadRankings(out.toString());
        Map<String, List<String>> byItem = new TreeMap<>();
        for (Ranking r : saved) byItem.computeIfAbsent(r.id(), id -> new ArrayList<>()).add(r.annotator());
        assertEquals(ITEMS, byItem.size(), "every item is ranked");
        byItem.forEach((id, names) -> {
            assertEquals(OVERLAP, names.size(), id + " is ranked by " + names);
            assertEquals(OVERLAP, new HashSet<>(names).size(), id + " is ranked twice by one person: " + names);
        });
        assertEquals(ITEMS * OVERLAP, saved.size());
        Set<Labeller.Ack> inFile = new HashSet<>();
        LabelPlan plan = new LabelPlan(OVERLAP, 1.0, 1, LabelPlan.DEFAULT_LEASE, null);
        for (Ranking r : saved) {
            inFile.add(new Labeller.Ack(r.id(), r.annotator(), r.ranking()));
            assertEquals(plan.shownOrder(r.annotator(), r.id(), 4), r.shown(), "the order " + r.annotator() + " was shown " + r.id() + " in");
        }
        for (Labeller.Result result : results)
            for (Labeller.Ack ack : result.acknowledged()) assertTrue(inFile.contains(ack), "acknowledged but not in the file: " + ack);
    }

    private static int sum(List<Labeller.Result> results, java.util.function.ToIntFunction<Labeller.Result> f) {
        return results.stream().mapToInt(f).sum();
    }

    @Test
    void sixteenPeopleRankThePoolToCompletionWithOverlapTwoAndNothingRefused() throws Exception {
        Path out = dir.resolve("rankings.jsonl");
        LabelPlan plan = new LabelPlan(OVERLAP, 1.0, 1, Duration.ofMinutes(10), null);
        AtomicInteger acks = new AtomicInteger();
        long start = System.nanoTime();
        List<Labeller.Result> results;
        try (LabelServer server = LabelServer.start(LabelSession.open(TeamLabellingTest.items(ITEMS), out, plan),
                InetAddress.getLoopbackAddress(), 0, null)) {
            results = labelAll(server::uri, acks, () -> {});
            Progress p = server.session().progress();
            assertTrue(p.complete());
            assertEquals(0, p.remaining());
            assertEquals(0, p.leases());
            assertEquals(PEOPLE, p.people().size());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(ITEMS * OVERLAP, sum(results, r -> r.acknowledged().size()));
        assertEquals(0, sum(results, Labeller.Result::conflicts), "no ranking refused for a conflict");
        assertEquals(0, sum(results, Labeller.Result::otherRefusals));
        assertEquals(0, sum(results, Labeller.Result::unreachable));
        for (Labeller.Result r : results) {
            assertEquals(r.shown().size(), new HashSet<>(r.shown()).size(), r.name() + " was shown an item twice: " + r.shown());
            assertEquals(r.shown().size(), r.acknowledged().size(), r.name() + " ranked every item shown");
        }
        assertCompleteAndNothingLost(out, results);
        System.out.printf("team labelling: %d people, %d items, overlap %d: %d rankings saved, %d refused, %d ms%n",
                PEOPLE, ITEMS, OVERLAP, acks.get(), sum(results, Labeller.Result::conflicts), millis);
    }

    /** A labelling server in a JVM of its own, its output in {@code log}; returns once it listens. */
    private static Process startServer(Path candidates, Path out, Path log, AtomicReference<URI> base) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), LabelServerMain.class.getName(),
                candidates.toString(), out.toString(), "-", String.valueOf(OVERLAP))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8))
                if (line.startsWith("listening ")) {
                    base.set(URI.create(line.substring("listening ".length())));
                    return p;
                }
            if (!p.isAlive()) throw new IOException("the server ended before listening: " + Files.readString(log));
            Thread.sleep(20);
        }
        p.destroyForcibly();
        throw new IOException("the server did not listen within 60 s: " + Files.readString(log));
    }

    @Test
    void sigkillInTheMiddleThenARestartLosesNothingAcknowledgedAndOverRanksNothing() throws Exception {
        Path candidates = dir.resolve("candidates.jsonl"), out = dir.resolve("rankings.jsonl");
        List<Candidates> items = TeamLabellingTest.items(ITEMS);
        JsonlWriter.write(candidates, items);
        AtomicReference<URI> base = new AtomicReference<>();
        AtomicInteger acks = new AtomicInteger();
        List<Process> servers = new ArrayList<>();
        int[] acknowledgedBeforeKill = {0};
        try {
            servers.add(startServer(candidates, out, dir.resolve("server-1.log"), base));
            List<Labeller.Result> results = labelAll(base::get, acks, () -> {
                try {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (acks.get() < ITEMS * OVERLAP / 3 && System.nanoTime() < deadline) Thread.sleep(5);
                    Process first = servers.get(0);
                    assertTrue(first.isAlive(), "the server must still be serving when it is killed");
                    first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
                    assertTrue(first.waitFor(10, TimeUnit.SECONDS));
                    assertEquals(137, first.exitValue(), "killed by SIGKILL (128 + 9)");
                    acknowledgedBeforeKill[0] = acks.get();
                    servers.add(startServer(candidates, out, dir.resolve("server-2.log"), base));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(acknowledgedBeforeKill[0] >= ITEMS * OVERLAP / 3 && acknowledgedBeforeKill[0] < ITEMS * OVERLAP,
                    "killed in the middle: " + acknowledgedBeforeKill[0] + " of " + ITEMS * OVERLAP + " acknowledged");
            assertTrue(sum(results, Labeller.Result::unreachable) > 0, "the kill interrupted the labellers");
            assertEquals(0, sum(results, Labeller.Result::otherRefusals));
            assertCompleteAndNothingLost(out, results);
            // in the file but not acknowledged: saved, then killed before the answer; at most one in flight per person
            int unacknowledged = ITEMS * OVERLAP - acks.get();
            assertTrue(unacknowledged >= 0 && unacknowledged <= PEOPLE, unacknowledged + " rankings saved without an answer");
            System.out.printf("team labelling, killed after %d acknowledged rankings: %d acknowledged in all, %d in the file,"
                            + " %d refused as conflicts, %d requests unanswered%n", acknowledgedBeforeKill[0], acks.get(),
                    DataFiles.loadRankings(out.toString()).size(), sum(results, Labeller.Result::conflicts),
                    sum(results, Labeller.Result::unreachable));
        } finally {
            for (Process p : servers) p.destroyForcibly();
        }
    }
}
