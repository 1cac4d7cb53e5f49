package org.rlhf4j.data.annotate;

import java.net.InetAddress;
import java.nio.file.Path;
import org.rlhf4j.data.validate.DataFiles;

/**
 * Runs a labelling server in a JVM of its own, for the crash test: {@code LabelServerMain CANDIDATES OUT ANNOTATOR}.
 * Prints "listening URL" once it serves, then serves until killed.
 */
public final class LabelServerMain {
    private LabelServerMain() {}

    public static void main(String[] args) throws Exception {
        LabelSession session = LabelSession.open(DataFiles.loadCandidates(args[0]), Path.of(args[1]), args[2]);
        LabelServer server = LabelServer.start(session, InetAddress.getLoopbackAddress(), 0, System.out);
        System.out.println("listening " + server.uri());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
