package org.rlhf4j.cli;

import com.google.inject.Guice;
import com.google.inject.Injector;
import org.rlhf4j.policy.Nd4jDefaults;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code rlhf4j} command line. A thin layer: each command parses its options, loads and validates its config,
 * and calls the stage. One Guice injector per invocation, created here; nothing is static.
 */
@Command(name = "rlhf4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "The InstructGPT recipe on the JVM: pretraining, SFT, reward model from K-way rankings, PPO with a KL penalty and PPO-ptx.",
        subcommands = {InitCommand.class, PretrainCommand.class, SftCommand.class, EvalCommand.class, GenerateCommand.class, ScoreCommand.class, ImportHfCommand.class, ExportHfCommand.class, RewardCommand.class, RewardScoreCommand.class, ValidateCommand.class, ConvertCommand.class, AnnotateCommand.class, PpoCommand.class, DpoCommand.class, RunCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs one invocation and returns its exit code (used by tests without exiting the JVM). */
    public static int execute(String... args) {
        Nd4jDefaults.apply();
        Injector injector = Guice.createInjector(new CliModule());
        CommandLine cli = new CommandLine(Main.class, new GuiceFactory(injector));
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            if (System.getenv("RLHF4J_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return UserError.class.isInstance(ex) || ex instanceof org.rlhf4j.policy.config.ConfigException ? 2 : 1;
        });
        return cli.execute(args);
    }

    /** Prints the version and the backend. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"rlhf4j " + (v == null ? "dev" : v) + " (ND4J 1.0.0-M2.1, Java " + System.getProperty("java.version") + ")"};
        }
    }
}
