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
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.RecordJson;

/**
 * The labelling page for a team: each person says their name, is handed an item of their own (leased to them, see
 * {@link LabelSession}), sees the prompt and its K candidate responses in an order shuffled for them, orders them
 * (keyboard or mouse), may flag responses, and submits or skips; each ranking is checked and forced to disk before the
 * page is told it was saved. Served by the JDK's own {@link HttpServer}.
 *
 * <p>Routes, and nothing else: {@code GET /} (the page), {@code GET /static/app.js}, {@code GET /static/app.css},
 * {@code GET /api/status} (the pool's progress, per person), {@code GET /api/next?annotator=NAME} (the item leased to
 * NAME, or why there is none), {@code POST /api/rank} (a ranking), {@code POST /api/skip} (pass on an item). Any other
 * path is 404, another method on these paths 405. Hardening:
 * <ul>
 *   <li>binds 127.0.0.1 unless told otherwise;</li>
 *   <li>the Host header must name this server (an address it listens on, localhost for loopback, or the machine's
 *       name) with its port, else 403: a page on another site that rebinds its DNS name to this address cannot read
 *       or write;</li>
 *   <li>writes must carry an Origin header equal to the server's own origin ({@code http://HOST:PORT}), else 403, and
 *       a JSON content type, else 415;</li>
 *   <li>the API's reads (which lease items) are refused with 403 when the browser says another site asked
 *       ({@code Sec-Fetch-Site} other than same-origin or none, or an Origin that is not this server's);</li>
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
        HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 64);
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
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
            } else if (path.equals("/api/status") || path.equals("/api/next")) {
                if (!method.equals("GET")) methodNotAllowed(ex, "GET");
                else if (crossSiteRead(ex, host)) error(ex, 403, "cross-site read refused: only this server's own page may use the API");
                else if (path.equals("/api/status")) json(ex, 200, progress(session.progress()));
                else next(ex);
            } else if (path.equals("/api/rank") || path.equals("/api/skip")) {
                if (!method.equals("POST")) methodNotAllowed(ex, "POST");
                else write(ex, host, path.equals("/api/rank"));
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

    /**
     * Whether a browser says another site sent this read: {@code Sec-Fetch-Site} other than same-origin or none (a
     * typed address, a bookmark), or an Origin that is not this server's. Non-browser clients send neither.
     */
    private static boolean crossSiteRead(HttpExchange ex, String host) {
        String site = ex.getRequestHeaders().getFirst("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) return true;
        String origin = ex.getRequestHeaders().getFirst("Origin");
        return origin != null && !origin.equalsIgnoreCase("http://" + host.trim());
    }

    /** {@code GET /api/next?annotator=NAME}: the item leased to NAME, or why there is none, with the progress. */
    private void next(HttpExchange ex) throws IOException {
        String annotator;
        try {
            annotator = annotatorParameter(ex.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            error(ex, 400, e.getMessage());
            return;
        }
        LabelSession.Next next = session.next(annotator);
        if (next instanceof LabelSession.Refused r) {
            refused(ex, r);
            return;
        }
        ObjectNode o = JSON.createObjectNode();
        Progress progress = session.progress();
        if (next instanceof LabelSession.Offer offer) {
            o.put("annotator", offer.annotator());
            o.put("state", "rank");
            Candidates c = offer.item();
            ObjectNode item = o.putObject("item");
            ObjectNode wire = RecordJson.toJson(c);
            item.put("id", c.id());
            item.put("prompt", c.prompt());
            item.set("responses", wire.get("responses"));
            if (wire.has("eos")) item.set("eos", wire.get("eos"));
            ArrayNode shown = item.putArray("shown");
            offer.shown().forEach(shown::add);
            o.put("lease_expires", offer.leaseExpires().toString());
        } else if (next instanceof LabelSession.Wait w) {
            o.put("annotator", w.annotator());
            o.put("state", "wait");
        } else {
            o.put("annotator", ((LabelSession.Done) next).annotator());
            o.put("state", "done");
        }
        o.set("you", person(progress.people().get(o.get("annotator").asText())));
        o.set("progress", progress(progress));
        json(ex, 200, o);
    }

    /** The "annotator" query parameter (percent-decoded); null when absent. Any other parameter is refused. */
    static String annotatorParameter(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) return null;
        String name = null;
        for (String part : rawQuery.split("&", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (!key.equals("annotator") || eq < 0)
                throw new IllegalArgumentException("unknown query parameter \"" + key + "\" (allowed: annotator=NAME)");
            if (name != null) throw new IllegalArgumentException("the annotator is given twice");
            name = URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return name;
    }

    private ObjectNode progress(Progress p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("items", p.items());
        o.put("overlap", session.plan().overlap());
        o.put("overlapped_items", p.overlapped());
        o.put("rankings_wanted", p.rankingsWanted());
        o.put("rankings_done", p.rankingsDone());
        o.put("remaining", p.remaining());
        o.put("items_complete", p.itemsComplete());
        o.put("complete", p.complete());
        o.put("leases", p.leases());
        o.put("lease_seconds", session.plan().lease().toSeconds());
        ObjectNode people = o.putObject("annotators");
        p.people().forEach((name, person) -> people.set(name, person(person)));
        return o;
    }

    private static ObjectNode person(Progress.Person p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ranked", p == null ? 0 : p.ranked());
        o.put("skipped", p == null ? 0 : p.skipped());
        if (p != null && p.holding() != null) o.put("holding", p.holding());
        return o;
    }

    /** {@code POST /api/rank} or {@code /api/skip}: from this server's own page only, a bounded JSON body. */
    private void write(HttpExchange ex, String host, boolean rank) throws IOException {
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
        // 3. a ranking is checked like a rankings file and forced to disk before the answer
        LabelSession.Outcome outcome = rank ? session.submit(node) : session.skip(node);
        if (outcome instanceof LabelSession.Refused r) {
            refused(ex, r);
            return;
        }
        ObjectNode o = JSON.createObjectNode();
        Progress progress = session.progress();
        String name;
        if (outcome instanceof LabelSession.Saved saved) {
            name = saved.ranking().annotator();
            if (log != null) log.println("saved " + saved.ranking().id() + " by " + name + " (" + progress.rankingsDone()
                    + " of " + progress.rankingsWanted() + " rankings, " + progress.remaining() + " to go)");
            o.put("saved", saved.ranking().id());
        } else {
            LabelSession.Skipped skipped = (LabelSession.Skipped) outcome;
            name = skipped.annotator();
            o.put("skipped", skipped.id());
        }
        o.put("annotator", name);
        o.set("you", person(progress.people().get(name)));
        o.set("progress", progress(progress));
        json(ex, 200, o);
    }

    private static void refused(HttpExchange ex, LabelSession.Refused r) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", String.join("; ", r.problems()));
        ArrayNode list = o.putArray("problems");
        r.problems().forEach(list::add);
        json(ex, r.status(), o);
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
        return List.of("GET /", "GET /static/app.js", "GET /static/app.css", "GET /api/status", "GET /api/next",
                "POST /api/rank", "POST /api/skip");
    }
}
