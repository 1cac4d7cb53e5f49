package org.rlhf4j.data.annotate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.RecordJson;

/**
 * The labelling page: a person sees a prompt and its K candidate responses, orders them (keyboard or mouse), may flag
 * responses, and submits; each ranking is checked and forced to disk ({@link LabelSession}) before the page is told
 * it was saved. Served by the JDK's own {@link HttpServer}.
 *
 * <p>Routes, and nothing else: {@code GET /} (the page), {@code GET /static/app.js}, {@code GET /static/app.css},
 * {@code GET /api/next} (progress and the next candidates), {@code POST /api/rank} (a ranking). Any other path is 404,
 * another method on these paths 405. Hardening:
 * <ul>
 *   <li>binds 127.0.0.1 unless told otherwise;</li>
 *   <li>the Host header must name this server (an address it listens on, localhost for loopback, or the machine's
 *       name) with its port, else 403: a page on another site that rebinds its DNS name to this address cannot read
 *       or write;</li>
 *   <li>writes must carry an Origin header equal to the server's own origin ({@code http://HOST:PORT}), else 403, and
 *       a JSON content type, else 415;</li>
 *   <li>request bodies over {@link #MAX_BODY_BYTES} are refused with 413 without being read;</li>
 *   <li>the page's files are this jar's own resources under a fixed prefix, chosen from a fixed map by the exact
 *       path: nothing from the URL ever reaches a file system, so there is no traversal;</li>
 *   <li>every response says no-store, nosniff, no framing, and a Content-Security-Policy allowing only this origin's
 *       script and style (the page uses no inline script and builds all text with textContent).</li>
 * </ul>
 */
public final class LabelServer implements AutoCloseable {
    /** Largest request body accepted (a ranking of nine responses with flags is well under 1 KiB). */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** Where the page's files live on the classpath. */
    static final String ASSET_PREFIX = "/org/rlhf4j/data/annotate/web/";

    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** A page file: its bytes (read once, at start) and content type. */
    private record Asset(byte[] bytes, String contentType) {}

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()).build();

    private final LabelSession session;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Asset> assets;
    private final Set<String> allowedHosts;
    private final int port;
    private final PrintStream log;

    private LabelServer(LabelSession session, HttpServer server, ExecutorService executor, Map<String, Asset> assets,
                        Set<String> allowedHosts, PrintStream log) {
        this.session = session;
        this.server = server;
        this.executor = executor;
        this.assets = assets;
        this.port = server.getAddress().getPort();
        this.allowedHosts = allowedHosts;
        this.log = log;
    }

    /**
     * Starts serving {@code session} on {@code bind}:{@code port} (port 0: any free port). The server owns the session
     * from here and closes it in {@link #close()}.
     *
     * @param log where a line per saved ranking goes; null for none
     */
    public static LabelServer start(LabelSession session, InetAddress bind, int port, PrintStream log) throws IOException {
        Map<String, Asset> assets = Map.of(
                "/", asset("index.html", "text/html; charset=utf-8"),
                "/static/app.js", asset("app.js", "text/javascript; charset=utf-8"),
                "/static/app.css", asset("app.css", "text/css; charset=utf-8"));
        HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 16);
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "label-server");
            t.setDaemon(true);
            return t;
        });
        LabelServer s = new LabelServer(session, http, executor, assets, hostNames(bind), log);
        http.createContext("/", s::handle);
        http.setExecutor(executor);
        http.start();
        return s;
    }

    private static Asset asset(String name, String contentType) throws IOException {
        try (InputStream in = LabelServer.class.getResourceAsStream(ASSET_PREFIX + name)) {
            if (in == null) throw new IOException("the page file " + ASSET_PREFIX + name + " is missing from the classpath");
            return new Asset(in.readAllBytes(), contentType);
        }
    }

    /** The names a Host header may give for a server bound to {@code bind} (lower case, IPv6 in brackets). */
    static Set<String> hostNames(InetAddress bind) throws IOException {
        Set<String> names = new HashSet<>();
        names.add(literal(bind));
        if (bind.isLoopbackAddress() || bind.isAnyLocalAddress()) {
            names.add("localhost");
            names.add("127.0.0.1");
            names.add("[::1]");
        }
        if (bind.isAnyLocalAddress()) {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces()))
                for (InetAddress a : Collections.list(ni.getInetAddresses())) names.add(literal(a));
            try {
                InetAddress local = InetAddress.getLocalHost();
                names.add(local.getHostName().toLowerCase(Locale.ROOT));
                names.add(local.getCanonicalHostName().toLowerCase(Locale.ROOT));
            } catch (IOException e) {
                // no host name: addresses only
            }
        }
        return Set.copyOf(names);
    }

    private static String literal(InetAddress a) {
        String s = a.getHostAddress();
        int zone = s.indexOf('%');
        if (zone >= 0) s = s.substring(0, zone);
        return (a instanceof Inet6Address ? "[" + s + "]" : s).toLowerCase(Locale.ROOT);
    }

    public int port() {
        return port;
    }

    /** The page's address, for the person to open. */
    public URI uri() {
        InetAddress a = server.getAddress().getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : literal(a);
        return URI.create("http://" + host + ":" + port + "/");
    }

    public LabelSession session() {
        return session;
    }

    private void handle(HttpExchange ex) {
        try {
            String path = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            String host = ex.getRequestHeaders().getFirst("Host");
            if (!hostAllowed(host)) {
                error(ex, 403, "the Host header " + (host == null ? "is missing" : "\"" + host + "\" does not name this server"));
                return;
            }
            Asset asset = assets.get(path);
            if (asset != null) {
                if (!method.equals("GET")) methodNotAllowed(ex, "GET");
                else send(ex, 200, asset.contentType(), asset.bytes());
            } else if (path.equals("/api/next")) {
                if (!method.equals("GET")) methodNotAllowed(ex, "GET");
                else json(ex, 200, next());
            } else if (path.equals("/api/rank")) {
                if (!method.equals("POST")) methodNotAllowed(ex, "POST");
                else rank(ex, host);
            } else {
                error(ex, 404, "not found");
            }
        } catch (IOException | RuntimeException e) {
            if (log != null) log.println("label server: " + e);
            try {
                error(ex, 500, "the server failed: " + e.getMessage());
            } catch (IOException | RuntimeException ignored) {
                // headers were already sent, or the client went away
            }
        } finally {
            ex.close();
        }
    }

    private boolean hostAllowed(String host) {
        if (host == null) return false;
        String h = host.trim().toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon < 0 || colon < h.lastIndexOf(']')) return false;
        return h.substring(colon + 1).equals(String.valueOf(port)) && allowedHosts.contains(h.substring(0, colon));
    }

    /** Progress, and the next candidates to rank (or "done"). */
    private ObjectNode next() {
        ObjectNode o = JSON.createObjectNode();
        Optional<Candidates> next = session.next();
        o.put("annotator", session.annotator());
        o.put("ranked", session.rankedCount());
        o.put("total", session.total());
        o.put("done", next.isEmpty());
        next.ifPresent(c -> {
            ObjectNode item = o.putObject("item");
            ObjectNode wire = RecordJson.toJson(c);
            item.put("id", c.id());
            item.put("prompt", c.prompt());
            item.set("responses", wire.get("responses"));
            if (wire.has("eos")) item.set("eos", wire.get("eos"));
        });
        return o;
    }

    private void rank(HttpExchange ex, String host) throws IOException {
        // 1. only this server's own page may write
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin == null || !origin.equalsIgnoreCase("http://" + host.trim())) {
            error(ex, 403, "cross-origin write refused: Origin " + (origin == null ? "is missing" : "\"" + origin + "\"")
                    + "; expected http://" + host.trim());
            return;
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            error(ex, 415, "the body must be JSON (Content-Type: application/json)");
            return;
        }
        // 2. a bounded body
        byte[] body = readBody(ex);
        if (body == null) {
            error(ex, 413, "the body is over " + MAX_BODY_BYTES + " bytes");
            return;
        }
        JsonNode node;
        try {
            node = JSON.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            error(ex, 400, "the body is not valid JSON: " + e.getOriginalMessage());
            return;
        }
        // 3. checked like a rankings file and forced to disk before the answer
        LabelSession.Outcome outcome = session.submit(node);
        if (outcome instanceof LabelSession.Refused r) {
            ObjectNode o = JSON.createObjectNode();
            o.put("error", String.join("; ", r.problems()));
            ArrayNode list = o.putArray("problems");
            r.problems().forEach(list::add);
            json(ex, r.status(), o);
            return;
        }
        LabelSession.Saved saved = (LabelSession.Saved) outcome;
        int ranked = session.rankedCount();
        if (log != null) log.println("saved " + saved.ranking().id() + " " + saved.ranking().ranking() + " (" + ranked + " of " + session.total() + ")");
        ObjectNode o = JSON.createObjectNode();
        o.put("saved", saved.ranking().id());
        o.put("ranked", ranked);
        o.put("total", session.total());
        json(ex, 200, o);
    }

    /** The body, or null when it is over the limit (by its declared length, or by what arrives). */
    private static byte[] readBody(HttpExchange ex) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > MAX_BODY_BYTES) return null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        InputStream in = ex.getRequestBody();
        byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        return bytes.length > MAX_BODY_BYTES ? null : bytes;
    }

    private static void methodNotAllowed(HttpExchange ex, String allow) throws IOException {
        ex.getResponseHeaders().set("Allow", allow);
        error(ex, 405, "method not allowed (allowed: " + allow + ")");
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        o.putArray("problems").add(message);
        json(ex, status, o);
    }

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", contentType);
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy", CSP);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops serving at once (every acknowledged ranking is already on disk) and closes the output file. */
    @Override
    public void close() throws IOException {
        server.stop(0);
        executor.shutdownNow();
        session.close();
    }

    /** The routes, for documentation and tests. */
    public static List<String> routes() {
        return List.of("GET /", "GET /static/app.js", "GET /static/app.css", "GET /api/next", "POST /api/rank");
    }
}
