package org.rlhf4j.data.annotate;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.rlhf4j.data.validate.DataFiles;

/**
 * Runs a labelling server in a JVM of its own, for the kill tests: {@code LabelServerMain CANDIDATES OUT NAME [OVERLAP]}
 * (NAME: the default annotator, "-" for none; OVERLAP: R for every item, default 1; seed 1, leases of 10 minutes).
 * Prints "listening URL" once it serves, then serves until killed.
 */
public final class LabelServerMain {
    private LabelServerMain() {}

    public static void main(String[] args) throws Exception {
        String name = args[2].equals("-") ? null : args[2];
        int overlap = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        LabelPlan plan = new LabelPlan(overlap, 1.0, 1, Duration.ofMinutes(10), name);
        LabelSession session = LabelSession.open(DataFiles.loadCandidates(args[0]), Path.of(args[1]), plan);
        LabelServer server = LabelServer.start(session, InetAddress.getLoopbackAddress(), 0, System.out);
        System.out.println("listening " + server.uri());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
