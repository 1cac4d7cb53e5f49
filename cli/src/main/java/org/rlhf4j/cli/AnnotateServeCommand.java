package org.rlhf4j.cli;

import com.google.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.rlhf4j.data.annotate.LabelPlan;
import org.rlhf4j.data.annotate.LabelServer;
import org.rlhf4j.data.annotate.LabelSession;
import org.rlhf4j.data.annotate.Progress;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.InvalidDataException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Serve the labelling page to a team: each person gives a name, is leased items of their own (R different"
                + " people rank each overlapped item) and ranks them in the browser; each ranking is checked and appended"
                + " (fsync) to OUT before the page is told it was saved. Resumes where OUT stops."
                + " Runs until Ctrl+C. Exit 1: bad input data; 2: usage error.")
final class AnnotateServeCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "Candidates file (path or embedded:NAME).")
    String in;

    @Option(names = "--out", required = true, description = "Rankings file to append to (created if missing; not .gz).")
    Path out;

    @Option(names = "--port", defaultValue = "8765", description = "TCP port (0 = any free port).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (another than loopback exposes the page to the network).")
    String bind;

    @Option(names = "--overlap", defaultValue = "1", description = "R: how many different people rank each overlapped item.")
    int overlap;

    @Option(names = "--overlap-fraction", defaultValue = "1.0",
            description = "Share of the items ranked by R people (chosen by --seed); the rest is ranked once.")
    double overlapFraction;

    @Option(names = "--seed", defaultValue = "1", description = "Chooses the overlapped items and each person's order of the responses.")
    long seed;

    @Option(names = "--lease-minutes", defaultValue = "20",
            description = "How long an item shown to a person stays reserved for them; then it goes back to the pool.")
    int leaseMinutes;

    @Option(names = "--annotator", description = "Name of requests that give none (scripts, a one-person server); the page"
            + " always asks for a name. Default: none, every request must name its annotator.")
    String annotator;

    /** Released to stop serving (tests; Ctrl+C ends the JVM instead). */
    final CountDownLatch stop = new CountDownLatch(1);

    private final PrintStream stdout;

    @Inject
    AnnotateServeCommand(PrintStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws Exception {
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            stdout.println("annotate serve: --bind: unknown address \"" + bind + "\"");
            return 2;
        }
        if (port < 0 || port > 65535) {
            stdout.println("annotate serve: --port must be between 0 and 65535, got " + port);
            return 2;
        }
        LabelPlan plan;
        try {
            plan = new LabelPlan(overlap, overlapFraction, seed, Duration.ofMinutes(leaseMinutes), annotator);
        } catch (IllegalArgumentException e) {
            stdout.println("annotate serve: " + e.getMessage());
            return 2;
        }
        LabelSession session;
        try {
            session = LabelSession.open(DataFiles.loadCandidates(in), out, plan);
        } catch (InvalidDataException e) {
            e.problems().forEach(stdout::println);
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            stdout.println("annotate serve: " + e.getMessage());
            return 1;
        }
        LabelServer server;
        try {
            server = LabelServer.start(session, address, port, stdout);
        } catch (IOException e) {
            session.close();
            stdout.println("annotate serve: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(() -> closeQuietly(server));
        Runtime.getRuntime().addShutdownHook(hook);
        Progress p = session.progress();
        String who = p.overlapped() == 0 ? "each ranked once"
                : p.overlapped() + " of them by " + overlap + " different people" + (p.overlapped() < p.items() ? ", the rest once" : "");
        stdout.println("labelling " + in + ": " + p.items() + " items, " + who + "; " + p.rankingsDone() + " of "
                + p.rankingsWanted() + " rankings done; appending to " + out);
        stdout.println("open " + server.uri() + " (Ctrl+C to stop)");
        if (!address.isLoopbackAddress())
            stdout.println("warning: listening on " + bind + ", not loopback: anyone who can reach this address can label");
        try {
            stop.await();
        } finally {
            closeQuietly(server);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down; the hook closes the server
            }
        }
        return 0;
    }

    private static void closeQuietly(LabelServer server) {
        try {
            server.close();
        } catch (IOException e) {
            // closing a closed server; every acknowledged ranking is on disk already
        }
    }
}
