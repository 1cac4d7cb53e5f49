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
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(origin + "/api/rank")).POST(HttpRequest.BodyPublishers.ofString(body));
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
        assertEquals(0, next.get("ranked").asInt());
        assertEquals(2, next.get("total").asInt());
        assertEquals("alice", next.get("annotator").asText());
        assertEquals("a", next.get("item").get("id").asText());
        assertEquals("Car.", next.get("item").get("responses").get(2).asText());

        HttpResponse<String> ok = post("{\"id\": \"a\", \"ranking\": [2, 0, 1], \"flags\": [[\"harmful\"], [], []]}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(1, JSON.readTree(ok.body()).get("ranked").asInt());
        List<Ranking> written = DataFiles.loadRankings(out.toString());
        assertEquals(List.of(2, 0, 1), written.get(0).ranking());
        assertEquals("alice", written.get(0).annotator());

        next = JSON.readTree(get("/api/next").body());
        assertEquals(1, next.get("ranked").asInt());
        assertEquals("b", next.get("item").get("id").asText());
        assertEquals(409, post("{\"id\": \"a\", \"ranking\": [0, 1, 2]}").statusCode());
        assertEquals(200, post("{\"id\": \"b\", \"ranking\": [0, 1]}").statusCode());
        next = JSON.readTree(get("/api/next").body());
        assertTrue(next.get("done").asBoolean());
        assertEquals(2, next.get("ranked").asInt());
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
        assertEquals("POST", get("/api/rank").headers().firstValue("Allow").orElseThrow());
        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(origin + "/")).POST(HttpRequest.BodyPublishers.ofString("x"))
                .header("Origin", origin).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void bindsLoopbackByDefaultAndKnowsItsNames() throws Exception {
        assertTrue(LabelServer.hostNames(InetAddress.getLoopbackAddress()).containsAll(List.of("127.0.0.1", "localhost")));
        assertEquals(List.of("GET /", "GET /static/app.js", "GET /static/app.css", "GET /api/next", "POST /api/rank"), LabelServer.routes());
    }
}
