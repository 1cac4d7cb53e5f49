package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;

/** The labelling server over real HTTP on 127.0.0.1: its routes, its checks, and what it writes. */
class LabelServerTest {
    @TempDir
    Path dir;

    private LabelServer server;
    private Path out;
    private String origin;
    private final HttpClient http = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void start() throws Exception {
        out = dir.resolve("rankings.jsonl");
        server = LabelServer.start(LabelSession.open(LabelSessionTest.candidates(), out, "alice"), InetAddress.getLoopbackAddress(), 0, null);
        origin = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(origin + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body, String originHeader, String type) throws Exception {
        return post("/api/rank", body, originHeader, type);
    }

    private HttpResponse<String> post(String path, String body, String originHeader, String type) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin + path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (originHeader != null) b.header("Origin", originHeader);
        if (type != null) b.header("Content-Type", type);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return post(body, origin, "application/json");
    }

    /** Sends exactly {@code request} (so no client tidies up the path or headers) and returns the status line. */
    private String raw(String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            OutputStream o = s.getOutputStream();
            o.write(request.getBytes(StandardCharsets.ISO_8859_1));
            o.flush();
            s.shutdownOutput(); // what a client that stops sending does: the server must not wait for more
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return all.substring(0, all.indexOf("\r\n"));
        }
    }

    private String rawGet(String path) throws Exception {
        return raw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nConnection: close\r\n\r\n");
    }

    @Test
    void servesThePageAndItsFilesWithSecurityHeaders() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"/static/app.js\"></script>"));
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("script-src 'self'"));
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals(200, get("/static/app.js").statusCode());
        assertEquals("text/css; charset=utf-8", get("/static/app.css").headers().firstValue("Content-Type").orElseThrow());
        assertTrue(server.uri().toString().startsWith("http://127.0.0.1:"));
    }

    @Test
    void nextShowsProgressThenARankingIsSavedBeforeTheAnswer() throws Exception {
        JsonNode next = JSON.readTree(get("/api/next").body());
        assertEquals(0, next.get("progress").get("rankings_done").asInt());
        assertEquals(2, next.get("progress").get("rankings_wanted").asInt());
        assertEquals("alice", next.get("annotator").asText(), "the server's default name");
        assertEquals("rank", next.get("state").asText());
        assertEquals("a", next.get("item").get("id").asText());
        assertEquals("Car.", next.get("item").get("responses").get(2).asText());
        List<Integer> shown = LabelPlan.single("alice").shownOrder("alice", "a", 3);
        assertEquals(shown, ints(next.get("item").get("shown")));

        HttpResponse<String> ok = post("{\"id\": \"a\", \"ranking\": [2, 0, 1], \"flags\": [[\"harmful\"], [], []]}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(1, JSON.readTree(ok.body()).get("progress").get("rankings_done").asInt());
        assertEquals(1, JSON.readTree(ok.body()).get("you").get("ranked").asInt());
        List<Ranking> written = DataFiles.loadRankings(out.toString());
        assertEquals(List.of(2, 0, 1), written.get(0).ranking());
        assertEquals("alice", written.get(0).annotator());
        assertEquals(shown, written.get(0).shown());

        next = JSON.readTree(get("/api/next").body());
        assertEquals(1, next.get("progress").get("rankings_done").asInt());
        assertEquals("b", next.get("item").get("id").asText());
        assertEquals(409, post("{\"id\": \"a\", \"ranking\": [0, 1, 2]}").statusCode());
        assertEquals(200, post("{\"id\": \"b\", \"ranking\": [0, 1]}").statusCode());
        next = JSON.readTree(get("/api/next").body());
        assertEquals("done", next.get("state").asText());
        assertEquals(2, next.get("progress").get("rankings_done").asInt());
        assertTrue(next.get("progress").get("complete").asBoolean());
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Test
    void eachNameGetsItsOwnItemAndTheStatusCountsPerPerson() throws Exception {
        JsonNode ann = JSON.readTree(get("/api/next?annotator=Ann%20Lee").body());
        JsonNode ben = JSON.readTree(get("/api/next?annotator=Ben").body());
        assertEquals("Ann Lee", ann.get("annotator").asText());
        assertEquals("a", ann.get("item").get("id").asText());
        assertEquals("b", ben.get("item").get("id").asText(), "a is leased to Ann");
        assertEquals("wait", JSON.readTree(get("/api/next?annotator=Cy").body()).get("state").asText(), "both items are leased");
        assertEquals("a", JSON.readTree(get("/api/next?annotator=Ann%20Lee").body()).get("item").get("id").asText(), "a reload: the same item");

        assertEquals(200, post("{\"annotator\": \"Ben\", \"id\": \"b\", \"ranking\": [1, 0]}").statusCode());
        HttpResponse<String> skipped = post("/api/skip", "{\"annotator\": \"Ann Lee\", \"id\": \"a\"}", origin, "application/json");
        assertEquals(200, skipped.statusCode(), skipped.body());
        assertEquals("a", JSON.readTree(skipped.body()).get("skipped").asText());
        assertEquals("done", JSON.readTree(get("/api/next?annotator=Ann%20Lee").body()).get("state").asText(),
                "Ann skipped a, Ben ranked b: nothing left for her");
        assertEquals("a", JSON.readTree(get("/api/next?annotator=Cy").body()).get("item").get("id").asText(), "a went back to the pool");

        JsonNode status = JSON.readTree(get("/api/status").body());
        assertEquals(2, status.get("items").asInt());
        assertEquals(1, status.get("overlap").asInt());
        assertEquals(1, status.get("rankings_done").asInt());
        assertEquals(1, status.get("remaining").asInt());
        assertEquals(1, status.get("leases").asInt());
        assertEquals(LabelPlan.DEFAULT_LEASE.toSeconds(), status.get("lease_seconds").asLong());
        assertEquals(List.of("Ann Lee", "Ben", "Cy"), iterable(status.get("annotators").fieldNames()));
        assertEquals(1, status.get("annotators").get("Ann Lee").get("skipped").asInt());
        assertEquals(0, status.get("annotators").get("Ann Lee").get("ranked").asInt());
        assertEquals(1, status.get("annotators").get("Ben").get("ranked").asInt());
        assertEquals("a", status.get("annotators").get("Cy").get("holding").asText());

        HttpResponse<String> bad = get("/api/next?annotator=%3Cscript%3E");
        assertEquals(400, bad.statusCode());
        assertTrue(JSON.readTree(bad.body()).get("error").asText().startsWith("the annotator name must be plain text"), bad.body());
        assertEquals(400, get("/api/next?annotator=a%0Ab").statusCode(), "a line break");
        assertEquals(400, get("/api/next?who=ann").statusCode());
        assertEquals(400, get("/api/next?annotator=a&annotator=b").statusCode());
        assertEquals(400, get("/api/next?annotator=%E2%80%AEevil").statusCode(), "a right-to-left override");
        assertEquals(400, post("/api/skip", "{\"annotator\": \"Ann Lee\", \"id\": \"zz\"}", origin, "application/json").statusCode());
        assertEquals(403, post("/api/skip", "{\"annotator\": \"Ann Lee\", \"id\": \"a\"}", "http://evil.example", "application/json").statusCode());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void readsThatABrowserSaysCameFromAnotherSiteAreRefused() throws Exception {
        for (String[] header : List.of(new String[] {"Sec-Fetch-Site", "cross-site"}, new String[] {"Sec-Fetch-Site", "same-site"},
                new String[] {"Origin", "http://evil.example"})) {
            for (String path : List.of("/api/next?annotator=ann", "/api/status")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(origin + path)).header(header[0], header[1]).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(403, r.statusCode(), header[0] + ": " + header[1] + " " + path);
            }
        }
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(origin + "/api/status")).header("Sec-Fetch-Site", "same-origin")
                .header("Origin", origin).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(0, JSON.readTree(get("/api/status").body()).get("leases").asInt(), "no refused read leased anything");
    }

    @Test
    void anInvalidRankingIsRefusedWith400AndAClearMessage() throws Exception {
        HttpResponse<String> r = post("{\"id\": \"a\", \"ranking\": [0, 0, 1]}");
        assertEquals(400, r.statusCode());
        assertEquals("\"ranking\" is not a permutation of 0..2: [0, 0, 1] (repeated: 0; missing: 2)", JSON.readTree(r.body()).get("error").asText());
        assertEquals(400, post("{\"id\": \"a\", \"ranking\": [0, 1, 2], \"id\": \"b\"}").statusCode(), "a key twice");
        assertEquals(400, post("not json").statusCode());
        assertTrue(DataFiles.validate(out.toString(), java.util.Optional.empty()).problems().get(0).message().contains("empty"),
                "nothing was written");
    }

    @Test
    void writesFromAnotherOriginOrWithoutOneAreRefused() throws Exception {
        String good = "{\"id\": \"a\", \"ranking\": [0, 1, 2]}";
        assertEquals(403, post(good, null, "application/json").statusCode());
        assertEquals(403, post(good, "http://evil.example", "application/json").statusCode());
        assertEquals(403, post(good, "http://localhost:" + server.port(), "application/json").statusCode(),
                "the origin must be the one the request was sent to");
        assertEquals(403, post(good, "null", "application/json").statusCode());
        assertEquals(415, post(good, origin, "text/plain").statusCode());
        assertEquals("HTTP/1.1 403 Forbidden", raw("GET /api/next HTTP/1.1\r\nHost: evil.example:" + server.port()
                + "\r\nConnection: close\r\n\r\n"), "a DNS-rebinding page names another host");
        assertEquals("HTTP/1.1 403 Forbidden", raw("GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n"));
        assertEquals("HTTP/1.1 200 OK", raw("GET / HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\nConnection: close\r\n\r\n"));
        assertEquals(0, DataFiles.validate(out.toString(), java.util.Optional.empty()).records().size());
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        String big = "{\"id\": \"a\", \"ranking\": [0, 1, 2], \"pad\": \"" + "x".repeat(LabelServer.MAX_BODY_BYTES) + "\"}";
        assertEquals(413, post(big).statusCode());
        String head = "POST /api/rank HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nOrigin: " + origin
                + "\r\nContent-Type: application/json\r\nConnection: close\r\n";
        assertEquals("HTTP/1.1 413 Request Entity Too Large", raw(head + "Content-Length: 1000000000\r\n\r\n{"));
        String chunk = Integer.toHexString(LabelServer.MAX_BODY_BYTES + 10) + "\r\n" + "x".repeat(LabelServer.MAX_BODY_BYTES + 10) + "\r\n0\r\n\r\n";
        assertEquals("HTTP/1.1 413 Request Entity Too Large", raw(head + "Transfer-Encoding: chunked\r\n\r\n" + chunk));
    }

    @Test
    void onlyItsOwnRoutesAndNoPathReachesTheFileSystem() throws Exception {
        for (String path : List.of("/../../etc/passwd", "/static/../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd",
                "/%2e%2e/%2e%2e/etc/passwd", "/static/%2e%2e%2f%2e%2e%2fetc/passwd", "/static/..%5c..%5cetc%5cpasswd",
                "/static/app.js/", "/static/app.js%00.css", "/static/", "/static/index.html", "/index.html",
                "/static//app.js", "//static/app.js", "/org/rlhf4j/data/annotate/web/app.js", "/api", "/api/next/", "/etc/passwd"))
            assertEquals("HTTP/1.1 404 Not Found", rawGet(path), path);
        assertEquals("HTTP/1.1 400 Bad Request", rawGet("/static/..\\..\\etc\\passwd"), "not a URI: the JDK's server refuses it");
        HttpResponse<String> r = get("/static/..%2fapp.js");
        assertEquals(404, r.statusCode());
        assertEquals("HTTP/1.1 405 Method Not Allowed", raw("DELETE /api/next HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nConnection: close\r\n\r\n"));
        assertEquals(405, get("/api/rank").statusCode());
        assertEquals(405, get("/api/skip").statusCode());
        assertEquals("HTTP/1.1 405 Method Not Allowed", raw("POST /api/status HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        assertEquals("POST", get("/api/rank").headers().firstValue("Allow").orElseThrow());
        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(origin + "/")).POST(HttpRequest.BodyPublishers.ofString("x"))
                .header("Origin", origin).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void bindsLoopbackByDefaultAndKnowsItsNames() throws Exception {
        assertTrue(LabelServer.hostNames(InetAddress.getLoopbackAddress()).containsAll(List.of("127.0.0.1", "localhost")));
        assertEquals(List.of("GET /", "GET /static/app.js", "GET /static/app.css", "GET /api/status", "GET /api/next", "POST /api/rank",
                "POST /api/skip"), LabelServer.routes());
    }
}
