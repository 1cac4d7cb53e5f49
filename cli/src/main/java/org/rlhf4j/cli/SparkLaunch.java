package org.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a stage on Apache Spark when its config has a {@code cluster} section or a {@code --set cluster.…}: Spark is
 * never on this CLI's class path, so the stage runs in a second JVM started from the module {@code spark}'s build
 * ({@code spark/target}: its jar with {@code lib/}, Spark's class path, and the {@code --add-opens} list Spark needs on
 * Java 17), with this JVM's memory options, its standard streams and its exit code.
 */
final class SparkLaunch {
    static final String MAIN = "org.rlhf4j.spark.SparkMain";

    private SparkLaunch() {}

    /** Whether the config (or an override) asks for a cluster. A config that cannot be read is left to the stage to report. */
    static boolean wanted(Path config, List<String> overrides) {
        for (String o : overrides) if (o.startsWith("cluster.")) return true;
        try {
            JsonNode n = new ObjectMapper().readTree(Files.readString(config));
            return n != null && n.has("cluster");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static int run(List<String> stageArgs) throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("rlhf4j.home", ".")).toAbsolutePath().normalize();
        Path target = home.resolve("spark/target");
        Path jar = target.resolve("rlhf4j-spark.jar"), classpath = target.resolve("spark.classpath"), options = target.resolve("classes/spark-jvm.options");
        for (Path p : List.of(jar, classpath, options))
            if (!Files.isRegularFile(p))
                throw new UserError("a cluster run needs the module spark built (" + p + " is missing): run ./rlhf4j once more, or mvn -DskipTests package");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(Arrays.asList(Files.readString(options).trim().split("\\s+")));
        cmd.add("-cp");
        cmd.add(jar + java.io.File.pathSeparator + Files.readString(classpath).trim());
        cmd.add(MAIN);
        cmd.addAll(stageArgs);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        return p.waitFor();
    }
}
