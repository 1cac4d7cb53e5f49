package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.Flag;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;

/** A ranking acknowledged to the browser survives kill -9 of the server: it was forced to disk before the 200. */
class LabelServerCrashTest {
    @TempDir
    Path dir;

    @Test
    void anAcknowledgedRankingSurvivesSigkill() throws Exception {
        Path candidates = dir.resolve("candidates.jsonl");
        Path out = dir.resolve("rankings.jsonl");
        JsonlWriter.write(candidates, LabelSessionTest.candidates());
        // 1. a server in a process of its own
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), LabelServerMain.class.getName(),
                candidates.toString(), out.toString(), "carol").redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = lines.readLine();
            assertNotNull(first, "the server process ended before listening");
            assertTrue(first.startsWith("listening http://127.0.0.1:"), first);
            URI base = URI.create(first.substring("listening ".length()));
            // 2. a ranking, acknowledged
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/api/rank"))
                    .header("Origin", "http://" + base.getAuthority()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"a\", \"ranking\": [2, 1, 0], \"flags\": [[], [\"harmful\"], []]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            // 3. SIGKILL: no shutdown hook, no flush, nothing runs after this
            server.destroyForcibly();
            assertTrue(server.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, server.exitValue(), "killed by SIGKILL (128 + 9)");
        } finally {
            server.destroyForcibly();
        }
        // 4. the file holds the ranking intact, and a new session resumes after it
        Ranking expected = LabelSessionTest.candidates().get(0).toRanking(List.of(2, 1, 0), "carol",
                List.of(Set.of(), Set.of(Flag.HARMFUL), Set.of()), LabelPlan.single("carol").shownOrder("carol", "a", 3));
        assertEquals(List.of(expected), DataFiles.loadRankings(out.toString()));
        try (LabelServer again = LabelServer.start(LabelSession.open(LabelSessionTest.candidates(), out, "carol"),
                InetAddress.getLoopbackAddress(), 0, null)) {
            assertEquals(1, again.session().progress().rankingsDone());
            assertEquals("b", LabelSessionTest.offered(again.session(), null));
        }
    }
}
