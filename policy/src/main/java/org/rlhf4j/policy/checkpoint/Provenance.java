package org.rlhf4j.policy.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What produced an artifact: the command, the resolved config, SHA-256 of every input, the seed, the git commit,
 * library and Java versions, and the parent checkpoint's own provenance (nested, so a PPO policy traces back through
 * the reward model and SFT to the base model). Stored as {@code provenance.json}.
 */
public final class Provenance {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Provenance() {}

    /**
     * Builds the provenance object.
     *
     * @param stage  e.g. "pretrain", "sft", "reward", "ppo", "init"
     * @param config the resolved stage config
     * @param inputs data spec → SHA-256 of its bytes
     * @param parent the parent checkpoint directory, or null
     */
    public static ObjectNode create(String stage, List<String> command, JsonNode config, Map<String, String> inputs, long seed, Path parent) throws IOException {
        ObjectNode p = JSON.createObjectNode();
        p.put("stage", stage);
        p.put("created_at", Instant.now().toString());
        p.set("command", JSON.valueToTree(command));
        p.set("config", config);
        p.set("inputs", JSON.valueToTree(inputs));
        p.put("seed", seed);
        ObjectNode git = p.putObject("git");
        git.put("commit", gitCommit());
        git.put("dirty", gitDirty());
        ObjectNode v = p.putObject("versions");
        v.put("rlhf4j", String.valueOf(Provenance.class.getPackage().getImplementationVersion()));
        v.put("nd4j", "1.0.0-M2.1");
        v.put("nd4j_backend", org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        v.put("java", System.getProperty("java.version"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        if (parent != null) {
            ObjectNode par = p.putObject("parent");
            par.put("path", parent.toAbsolutePath().normalize().toString());
            Path manifest = parent.resolve(Checkpoint.MANIFEST);
            if (Files.exists(manifest)) par.put("manifest_sha256", sha256(manifest));
            Path pp = parent.resolve(Checkpoint.PROVENANCE);
            if (Files.exists(pp)) par.set("provenance", JSON.readTree(pp.toFile()));
        }
        return p;
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    public static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The repository the launcher runs from (system property {@code rlhf4j.home}), or the working directory. */
    static Path home() {
        String h = System.getProperty("rlhf4j.home");
        return Path.of(h != null ? h : ".");
    }

    static String gitCommit() {
        String out = git("rev-parse", "HEAD");
        return out == null || out.isBlank() ? "unknown" : out.trim();
    }

    static boolean gitDirty() {
        String out = git("status", "--porcelain", "--untracked-files=no");
        return out != null && !out.isBlank();
    }

    private static String git(String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", home().toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            return new String(out);
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }
}
