package org.rlhf4j.policy.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.io.AtomicFiles;
import org.rlhf4j.policy.io.Safetensors;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.Tokenizer;
import org.rlhf4j.policy.tokenizer.TokenizerSpec;

/**
 * A checkpoint directory: the weights as {@code model.safetensors}, the model config and tokenizer as JSON,
 * {@code provenance.json}, optionally the optimizer state ({@code optimizer.safetensors}) and trainer state
 * ({@code trainer_state.json}) a run resumes from, optional stage metadata ({@code metadata.json}, e.g. the reward
 * model's normalisation), and {@code manifest.json} with the SHA-256 and size of every other file. No Java
 * serialization anywhere. Saving is atomic (the whole directory is swapped in); loading verifies the manifest, the
 * config and every tensor's shape, and reports every problem at once naming the file or tensor.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors", CONFIG = "config.json", TOKENIZER = "tokenizer.json",
            PROVENANCE = "provenance.json", MANIFEST = "manifest.json", OPTIMIZER = "optimizer.safetensors",
            TRAINER_STATE = "trainer_state.json", METADATA = "metadata.json";
    public static final String FORMAT = "rlhf4j-checkpoint/1";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {}

    /** What a checkpoint holds beyond the policy; each part may be null. */
    public record Contents(Policy policy, JsonNode provenance, Map<String, INDArray> optimizer, JsonNode trainerState, JsonNode metadata) {}

    /** A checkpoint that failed verification; the message lists every problem, one per line. */
    public static final class InvalidCheckpointException extends IOException {
        public InvalidCheckpointException(Path dir, List<String> problems) {
            super("invalid checkpoint " + dir + ":\n  " + String.join("\n  ", problems));
        }
    }

    public static void save(Path dir, Policy policy, JsonNode provenance, Map<String, INDArray> optimizer, JsonNode trainerState, JsonNode metadata) throws IOException {
        AtomicFiles.writeDirectory(dir, tmp -> {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", FORMAT);
            Safetensors.write(tmp.resolve(MODEL), policy.weights().arrays(), meta, Safetensors.Dtype.F32);
            JSON.writeValue(tmp.resolve(CONFIG).toFile(), policy.config());
            JSON.writeValue(tmp.resolve(TOKENIZER).toFile(), policy.tokenizer().spec());
            JSON.writeValue(tmp.resolve(PROVENANCE).toFile(), provenance);
            if (optimizer != null) Safetensors.write(tmp.resolve(OPTIMIZER), optimizer, meta, Safetensors.Dtype.F32);
            if (trainerState != null) JSON.writeValue(tmp.resolve(TRAINER_STATE).toFile(), trainerState);
            if (metadata != null) JSON.writeValue(tmp.resolve(METADATA).toFile(), metadata);
            writeManifest(tmp);
        });
    }

    static void writeManifest(Path dir) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        ObjectNode files = m.putObject("files");
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.equals(MANIFEST) || !Files.isRegularFile(f)) continue;
                ObjectNode e = files.putObject(name);
                e.put("sha256", Provenance.sha256(f));
                e.put("bytes", Files.size(f));
            }
        }
        JSON.writeValue(dir.resolve(MANIFEST).toFile(), m);
    }

    /** Checks the manifest against the files on disk; returns every problem found. */
    public static List<String> verify(Path dir) {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            problems.add(dir + ": not a directory");
            return problems;
        }
        Path mf = dir.resolve(MANIFEST);
        JsonNode m;
        try {
            m = JSON.readTree(mf.toFile());
        } catch (IOException e) {
            problems.add(mf + ": " + (Files.exists(mf) ? "unreadable manifest (" + e.getMessage() + ")" : "missing (every checkpoint has a manifest)"));
            return problems;
        }
        if (m == null || !FORMAT.equals(m.path("format").asText())) problems.add(mf + ": format must be \"" + FORMAT + "\"");
        JsonNode files = m == null ? null : m.path("files");
        if (files == null || !files.isObject()) {
            problems.add(mf + ": \"files\" must be an object");
            return problems;
        }
        for (String required : List.of(MODEL, CONFIG, TOKENIZER, PROVENANCE))
            if (!files.has(required)) problems.add(mf + ": does not list " + required);
        TreeSet<String> listed = new TreeSet<>();
        files.fieldNames().forEachRemaining(listed::add);
        for (String name : listed) {
            Path f = dir.resolve(name);
            JsonNode e = files.get(name);
            try {
                if (!Files.exists(f)) {
                    problems.add(f + ": missing");
                    continue;
                }
                long size = Files.size(f);
                if (size != e.path("bytes").asLong(-1)) problems.add(f + ": " + size + " bytes, manifest says " + e.path("bytes").asLong(-1) + " (truncated or altered)");
                else if (!Provenance.sha256(f).equals(e.path("sha256").asText())) problems.add(f + ": SHA-256 differs from the manifest (altered)");
            } catch (IOException ex) {
                problems.add(f + ": unreadable (" + ex.getMessage() + ")");
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!name.equals(MANIFEST) && !listed.contains(name)) problems.add(f + ": not in the manifest");
            }
        } catch (IOException ex) {
            problems.add(dir + ": cannot list (" + ex.getMessage() + ")");
        }
        return problems;
    }

    public static Contents load(Path dir) throws IOException {
        List<String> problems = verify(dir);
        if (!problems.isEmpty()) throw new InvalidCheckpointException(dir, problems);
        GptConfig config;
        TokenizerSpec spec;
        try {
            config = JSON.readValue(dir.resolve(CONFIG).toFile(), GptConfig.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidCheckpointException(dir, List.of(dir.resolve(CONFIG) + ": " + rootMessage(e)));
        }
        try {
            spec = JSON.readValue(dir.resolve(TOKENIZER).toFile(), TokenizerSpec.class);
        } catch (IOException e) {
            throw new InvalidCheckpointException(dir, List.of(dir.resolve(TOKENIZER) + ": " + rootMessage(e)));
        }
        Safetensors.Contents model = Safetensors.read(dir.resolve(MODEL));
        LinkedHashMap<String, INDArray> arrays = new LinkedHashMap<>();
        model.tensors().forEach((k, v) -> arrays.put(k, v.castTo(DataType.FLOAT)));
        GptWeights weights;
        try {
            weights = new GptWeights(config, arrays);
        } catch (IllegalArgumentException e) {
            List<String> p = new ArrayList<>();
            for (String line : e.getMessage().split("\n")) p.add(dir.resolve(MODEL) + ": " + line);
            throw new InvalidCheckpointException(dir, p);
        }
        Policy policy;
        try {
            policy = new Policy(config, Tokenizer.fromSpec(spec), weights);
        } catch (IllegalArgumentException e) {
            throw new InvalidCheckpointException(dir, List.of(dir + ": " + e.getMessage()));
        }
        Map<String, INDArray> opt = Files.exists(dir.resolve(OPTIMIZER)) ? Safetensors.read(dir.resolve(OPTIMIZER)).tensors() : null;
        JsonNode state = Files.exists(dir.resolve(TRAINER_STATE)) ? JSON.readTree(dir.resolve(TRAINER_STATE).toFile()) : null;
        JsonNode meta = Files.exists(dir.resolve(METADATA)) ? JSON.readTree(dir.resolve(METADATA).toFile()) : null;
        return new Contents(policy, JSON.readTree(dir.resolve(PROVENANCE).toFile()), opt, state, meta);
    }

    public static Policy loadPolicy(Path dir) throws IOException {
        return load(dir).policy();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }
}
