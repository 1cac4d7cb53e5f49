package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.inject.Guice;
import com.google.inject.util.Modules;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.world.Annotator;
import org.rlhf4j.data.world.AnnotatorPool;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import picocli.CommandLine;

/** The data commands, run through picocli as the launcher runs them (exit codes 0 ok, 1 data problems, 2 usage). */
class DataCommandsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A command line whose commands are made by a Guice injector like Main's, printing to {@code out}. */
    private CommandLine cli(Class<?> command) {
        var injector = Guice.createInjector(Modules.override(new CliModule()).with(b -> b.bind(PrintStream.class).toInstance(out)));
        return new CommandLine(command, new GuiceFactory(injector));
    }

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void validateExitCodes() throws Exception {
        Path good = write("c.jsonl", "{\"id\": \"c1\", \"prompt\": \"Hi.\", \"responses\": [\"a\", \"b\"]}\n");
        Path bad = write("bad.jsonl", "{\"id\": \"c1\", \"prompt\": \"Hi.\", \"responses\": [\"a\", \"a\"]}\n");
        assertEquals(0, new CommandLine(new ValidateCommand(out)).execute(good.toString()));
        assertEquals(good + ": ok, 1 candidates\n", printed());
        bytes.reset();
        assertEquals(1, new CommandLine(new ValidateCommand(out)).execute(good.toString(), bad.toString(), "--kind", "candidates"));
        assertTrue(printed().contains(bad + ":1: \"responses[1]\" is identical to \"responses[0]\"\n" + bad + ": 1 problem"), printed());
        assertEquals(1, new CommandLine(new ValidateCommand(out)).execute(good.toString(), "--max-line-bytes", "20"));
        assertTrue(printed().contains(good + ":1: the line is 54 bytes long, over the limit of 20 bytes"), printed());
        assertEquals(2, new CommandLine(new ValidateCommand(out)).execute(good.toString(), "--kind", "candidate"));
        assertEquals(2, new CommandLine(new ValidateCommand(out)).execute(good.toString(), "--max-line-bytes", "0"));
        assertEquals(2, new CommandLine(new ValidateCommand(out)).execute(), "no file: picocli's usage error");
    }

    @Test
    void convertExitCodes() throws Exception {
        Path pairs = write("pairs.jsonl", "{\"prompt\": \"Is the sky blue?\", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}\n");
        Path rankings = dir.resolve("r.jsonl");
        assertEquals(0, new CommandLine(new ConvertCommand(out)).execute("--from", "pairs", "--to", "rankings", pairs.toString(), rankings.toString()));
        assertEquals(List.of(new Ranking("Is the sky blue?", List.of("Yes.", "No."), List.of(0, 1), "imported")),
                DataFiles.loadRankings(rankings.toString()));
        assertEquals(1, new CommandLine(new ConvertCommand(out)).execute("--from", "pairs", "--to", "rankings",
                write("bad.jsonl", "{\"prompt\": \"x\"}\n").toString(), dir.resolve("r2.jsonl").toString()));
        assertEquals(2, new CommandLine(new ConvertCommand(out)).execute("--from", "pairs", "--to", "sft", pairs.toString(), "x.jsonl"));
        assertEquals(2, new CommandLine(new ConvertCommand(out)).execute("--from", "pairs", pairs.toString()));
    }

    @Test
    void annotateSampleWritesACandidatesFileFromACheckpoint() throws Exception {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 64, 16, 1, 2);
        Path ck = dir.resolve("ck");
        Checkpoint.save(ck, new Policy(c, new ByteTokenizer(), GptWeights.init(c, 5, DataType.FLOAT)),
                new ObjectMapper().createObjectNode().put("stage", "test"), Map.of(), new ObjectMapper().createObjectNode(), null);
        Path prompts = dir.resolve("prompts.jsonl");
        JsonlWriter.write(prompts, List.of(new PromptRecord("p1", "Hi."), new PromptRecord("p2", "Yo."), new PromptRecord("p3", "Hey.")));
        Path cands = dir.resolve("cands.jsonl");
        int code = cli(AnnotateCommand.class).execute("sample", "--checkpoint", ck.toString(), "--prompts", prompts.toString(),
                "--k", "3", "--out", cands.toString(), "--max-new-tokens", "5", "--temperature", "0.9", "--seed", "4", "--limit", "2");
        assertEquals(0, code, printed());
        List<Candidates> written = DataFiles.loadCandidates(cands.toString());
        assertEquals(List.of("p1", "p2"), written.stream().map(Candidates::id).toList());
        assertEquals(ck.toString(), written.get(0).sources().get(0).checkpoint());
        assertEquals(0.9, written.get(0).sources().get(2).temperature());
        assertTrue(printed().contains("0 prompts dropped"), printed());
        assertEquals(2, cli(AnnotateCommand.class).execute("sample", "--checkpoint", ck.toString(), "--prompts", prompts.toString(),
                "--k", "12", "--out", cands.toString()));
        assertEquals(1, cli(AnnotateCommand.class).execute("sample", "--checkpoint", ck.toString(), "--prompts", cands.toString(),
                "--k", "2", "--out", dir.resolve("x.jsonl").toString()), "a candidates file is not prompts");
    }

    @Test
    void annotateSimulateRanksWithThePool() throws Exception {
        List<Candidates> cs = new ArrayList<>();
        for (PromptRecord p : DataFiles.loadPrompts("embedded:prompts.validation.jsonl.gz").subList(0, 6))
            cs.add(new Candidates(p.id(), p.prompt(), p.family(), p.split(), p.gold(), List.of("Sorry, I can't.", "Yes: " + p.prompt()),
                    List.of(true, false), null));
        Path in = dir.resolve("cands.jsonl"), rankings = dir.resolve("rankings.jsonl.gz");
        JsonlWriter.write(in, cs);
        assertEquals(0, cli(AnnotateCommand.class).execute("simulate", "--in", in.toString(), "--out", rankings.toString(), "--seed", "3"), printed());
        List<Ranking> rs = DataFiles.loadRankings(rankings.toString());
        assertEquals(6, rs.size());
        Set<String> pool = AnnotatorPool.defaultPool().annotators().stream().map(Annotator::id).collect(Collectors.toSet());
        rs.forEach(r -> assertTrue(pool.contains(r.annotator()), r.annotator()));
        assertEquals(cs.get(2).id(), rs.get(2).id());
        assertEquals(1, cli(AnnotateCommand.class).execute("simulate", "--in", rankings.toString(), "--out", dir.resolve("x.jsonl").toString()));
    }

    @Test
    void annotateAgreementPrintsTheTable() {
        assertEquals(0, cli(AnnotateCommand.class).execute("agreement", "--seed", "1"));
        assertTrue(printed().contains("mean agreement between different annotators: 72.8 %"), printed());
    }

    @Test
    void annotateServeServesUntilStopped() throws Exception {
        Path in = dir.resolve("cands.jsonl");
        JsonlWriter.write(in, List.of(new Candidates("c1", "Hi.", null, null, null, List.of("a", "b"), null, null)));
        CommandLine cl = cli(AnnotateCommand.class);
        AnnotateServeCommand serve = cl.getSubcommands().get("serve").getCommand();
        CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> cl.execute("serve", "--in", in.toString(),
                "--out", dir.resolve("r.jsonl").toString(), "--port", "0", "--annotator", "dana"));
        Matcher m = Pattern.compile("open (http://127\\.0\\.0\\.1:\\d+/)").matcher("");
        for (int i = 0; i < 200 && !m.reset(printed()).find(); i++) Thread.sleep(25);
        assertTrue(m.reset(printed()).find(), printed());
        assertTrue(printed().contains("labelling " + in + ": 1 items, each ranked once; 0 of 1 rankings done"), printed());
        String next = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(1) + "api/next")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(next.contains("\"annotator\":\"dana\""), next);
        serve.stop.countDown();
        assertEquals(0, code.get(10, TimeUnit.SECONDS));

        // a team: two names, each item by both; the agreement of the people on the file they made
        Path team = dir.resolve("team.jsonl");
        JsonlWriter.write(in, List.of(new Candidates("c1", "Hi.", null, null, null, List.of("a", "b", "c"), null, null),
                new Candidates("c2", "Bye.", null, null, null, List.of("x", "y"), null, null)));
        CommandLine teamCl = cli(AnnotateCommand.class);
        AnnotateServeCommand teamServe = teamCl.getSubcommands().get("serve").getCommand();
        bytes.reset();
        CompletableFuture<Integer> teamCode = CompletableFuture.supplyAsync(() -> teamCl.execute("serve", "--in", in.toString(),
                "--out", team.toString(), "--port", "0", "--overlap", "2", "--lease-minutes", "5"));
        for (int i = 0; i < 200 && !m.reset(printed()).find(); i++) Thread.sleep(25);
        assertTrue(m.reset(printed()).find(), printed());
        assertTrue(printed().contains("2 items, 2 of them by 2 different people; 0 of 4 rankings done"), printed());
        URI base = URI.create(m.group(1));
        HttpClient http = HttpClient.newHttpClient();
        String[][] rankings = {{"ann", "c1", "[0, 1, 2]"}, {"ann", "c2", "[0, 1]"}, {"ben", "c1", "[0, 2, 1]"}, {"ben", "c2", "[1, 0]"}};
        for (String[] r : rankings) {
            HttpResponse<String> saved = http.send(HttpRequest.newBuilder(base.resolve("api/rank")).header("Origin", "http://" + base.getAuthority())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"annotator\": \"" + r[0] + "\", \"id\": \"" + r[1] + "\", \"ranking\": " + r[2] + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, saved.statusCode(), saved.body());
        }
        String status = http.send(HttpRequest.newBuilder(base.resolve("api/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(status.contains("\"remaining\":0"), status);
        teamServe.stop.countDown();
        assertEquals(0, teamCode.get(10, TimeUnit.SECONDS));
        bytes.reset();
        assertEquals(0, cli(AnnotateCommand.class).execute("agreement", "--rankings", team.toString()), printed());
        // c1: ann 0>1>2, ben 0>2>1 agree on (0,1) and (0,2), not (1,2); c2: they disagree. 2 of 4 pairs.
        assertTrue(printed().contains("agreement between different annotators: 50.0 % over 4 response pairs from 2 items"), printed());
        bytes.reset();
        Path solo = dir.resolve("solo.jsonl");
        JsonlWriter.write(solo, DataFiles.loadRankings(team.toString()).stream().filter(r -> r.annotator().equals("ann")).toList());
        assertEquals(1, cli(AnnotateCommand.class).execute("agreement", "--rankings", solo.toString()));
        assertTrue(printed().contains("no item in " + solo + " is ranked by two different annotators"), printed());
        assertEquals(1, cli(AnnotateCommand.class).execute("serve", "--in", dir.resolve("missing.jsonl").toString(), "--out", "r.jsonl"));
        assertEquals(2, cli(AnnotateCommand.class).execute("serve", "--in", in.toString(), "--out", "r.jsonl", "--port", "70000"));
        assertEquals(2, cli(AnnotateCommand.class).execute("serve", "--in", in.toString(), "--out", "r.jsonl", "--overlap", "0"));
        assertEquals(2, cli(AnnotateCommand.class).execute("serve", "--in", in.toString(), "--out", "r.jsonl", "--annotator", "<b>"));
    }
}
