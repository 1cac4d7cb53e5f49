package org.rlhf4j.data.annotate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * One person of the team tests, over real HTTP: asks for an item, ranks it (a random order of its own), and goes on
 * until the server says nothing is left for them. When the server cannot be reached (killed, restarting) it tries the
 * same request again at whatever address {@code base} then gives, as the page does when a person presses Submit again.
 */
final class Labeller implements Callable<Labeller.Result> {
    /** A ranking the server acknowledged with 200. */
    record Ack(String id, String annotator, List<Integer> ranking) {}

    /**
     * What one labeller did.
     *
     * @param acknowledged rankings answered 200
     * @param shown        the items the server handed out, in order (a held item handed out again counts once)
     * @param conflicts    rankings refused with 409
     * @param otherRefusals any other answer but 200 (never expected)
     * @param unreachable  requests that got no answer (a killed server)
     */
    record Result(String name, List<Ack> acknowledged, List<String> shown, int conflicts, int otherRefusals, int unreachable) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Supplier<URI> base;
    private final AtomicInteger acknowledgedByAll;
    private final long deadlineNanos;
    private final Random random;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Labeller(String name, Supplier<URI> base, AtomicInteger acknowledgedByAll, Duration patience) {
        this.name = name;
        this.base = base;
        this.acknowledgedByAll = acknowledgedByAll;
        this.deadlineNanos = System.nanoTime() + patience.toNanos();
        this.random = new Random(name.hashCode());
    }

    @Override
    public Result call() throws Exception {
        List<Ack> acks = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        int conflicts = 0, otherRefusals = 0, unreachable = 0;
        while (true) {
            if (System.nanoTime() > deadlineNanos) throw new IllegalStateException(name + " ran out of patience");
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(base.get().resolve("/api/next?annotator=" + name)).timeout(Duration.ofSeconds(10))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                unreachable++;
                Thread.sleep(50);
                continue;
            }
            if (r.statusCode() != 200) {
                otherRefusals++;
                Thread.sleep(50);
                continue;
            }
            JsonNode next = JSON.readTree(r.body());
            String state = next.get("state").asText();
            if (state.equals("done")) return new Result(name, acks, shown, conflicts, otherRefusals, unreachable);
            if (state.equals("wait")) {
                Thread.sleep(20);
                continue;
            }
            String id = next.get("item").get("id").asText();
            if (shown.isEmpty() || !shown.get(shown.size() - 1).equals(id)) shown.add(id);
            List<Integer> ranking = new ArrayList<>(IntStream.range(0, next.get("item").get("responses").size()).boxed().toList());
            Collections.shuffle(ranking, random);
            String body = JSON.writeValueAsString(JSON.createObjectNode().put("annotator", name).put("id", id)
                    .set("ranking", JSON.valueToTree(ranking)));
            while (true) {
                if (System.nanoTime() > deadlineNanos) throw new IllegalStateException(name + " ran out of patience");
                URI at = base.get();
                HttpResponse<String> saved;
                try {
                    saved = http.send(HttpRequest.newBuilder(at.resolve("/api/rank")).timeout(Duration.ofSeconds(10))
                            .header("Origin", "http://" + at.getAuthority()).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    unreachable++;
                    Thread.sleep(50);
                    continue;
                }
                if (saved.statusCode() == 200) {
                    acks.add(new Ack(id, name, List.copyOf(ranking)));
                    acknowledgedByAll.incrementAndGet();
                } else if (saved.statusCode() == 409) {
                    conflicts++;
                } else {
                    otherRefusals++;
                }
                break;
            }
        }
    }
}
