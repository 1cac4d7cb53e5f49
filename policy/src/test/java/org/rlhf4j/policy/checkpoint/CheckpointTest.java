package org.rlhf4j.policy.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;

class CheckpointTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static Policy policy() {
        GptConfig c = GptConfig.of(ByteTokenizer.VOCAB, 32, 16, 2, 2);
        return new Policy(c, new ByteTokenizer(), GptWeights.init(c, 4, DataType.FLOAT)).withHead(GptWeights.Head.VALUE, 1);
    }

    Path save(Policy p) throws Exception {
        Path ck = dir.resolve("ck");
        var prov = new ObjectMapper().createObjectNode().put("stage", "test");
        Checkpoint.save(ck, p, prov, Map.of("m/wte.weight", p.weights().get(GptWeights.WTE).mul(0.5)), new ObjectMapper().createObjectNode().put("step", 7), null);
        return ck;
    }

    @Test
    void roundTripIsExact() throws Exception {
        Policy p = policy();
        Path ck = save(p);
        Checkpoint.Contents c = Checkpoint.load(ck);
        assertEquals(p.config(), c.policy().config());
        assertEquals(p.tokenizer().spec(), c.policy().tokenizer().spec());
        assertEquals(p.weights().names(), c.policy().weights().names());
        for (String n : p.weights().names()) assertEquals(p.weights().get(n), c.policy().weights().get(n), n);
        assertEquals(7, c.trainerState().get("step").asInt());
        assertEquals(p.weights().get(GptWeights.WTE).mul(0.5), c.optimizer().get("m/wte.weight"));
        // provenance is stored and listed in the manifest
        assertTrue(Checkpoint.verify(ck).isEmpty());
    }

    @Test
    void truncatedModelIsNamed() throws Exception {
        Path ck = save(policy());
        Path model = ck.resolve(Checkpoint.MODEL);
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        var e = assertThrows(Checkpoint.InvalidCheckpointException.class, () -> Checkpoint.load(ck));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void alteredByteIsDetected() throws Exception {
        Path ck = save(policy());
        Path model = ck.resolve(Checkpoint.MODEL);
        byte[] b = Files.readAllBytes(model);
        b[b.length - 10] ^= 0x40;
        Files.write(model, b);
        var e = assertThrows(Checkpoint.InvalidCheckpointException.class, () -> Checkpoint.load(ck));
        assertTrue(e.getMessage().contains("model.safetensors: SHA-256 differs"), e.getMessage());
    }

    @Test
    void missingAndExtraFilesAreAllReported() throws Exception {
        Path ck = save(policy());
        Files.delete(ck.resolve(Checkpoint.CONFIG));
        Files.writeString(ck.resolve("stray.txt"), "x");
        var e = assertThrows(Checkpoint.InvalidCheckpointException.class, () -> Checkpoint.load(ck));
        assertTrue(e.getMessage().contains("config.json: missing"), e.getMessage());
        assertTrue(e.getMessage().contains("stray.txt: not in the manifest"), e.getMessage());
    }

    @Test
    void wrongTensorShapeIsNamedEvenWithAValidManifest() throws Exception {
        Policy p = policy();
        Path ck = save(p);
        // rewrite the weights with a wrong shape and re-manifest, as a buggy external tool might
        var arrays = new java.util.LinkedHashMap<>(p.weights().arrays());
        arrays.put("h.1.mlp.c_fc.weight", org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 16, 63));
        arrays.remove("ln_f.bias");
        org.rlhf4j.policy.io.Safetensors.write(ck.resolve(Checkpoint.MODEL), arrays, Map.of(), org.rlhf4j.policy.io.Safetensors.Dtype.F32);
        Checkpoint.writeManifest(ck);
        var e = assertThrows(Checkpoint.InvalidCheckpointException.class, () -> Checkpoint.load(ck));
        assertTrue(e.getMessage().contains("h.1.mlp.c_fc.weight: expected shape [16, 64], got [16, 63]"), e.getMessage());
        assertTrue(e.getMessage().contains("ln_f.bias: missing"), e.getMessage());
    }

    @Test
    void savingOverAnExistingCheckpointReplacesItWhole() throws Exception {
        Policy p = policy();
        Path ck = save(p);
        Policy q = p.frozenCopy();
        q.weights().get(GptWeights.WTE).addi(1);
        Checkpoint.save(ck, q, new ObjectMapper().createObjectNode(), null, null, null);
        Checkpoint.Contents c = Checkpoint.load(ck);
        assertEquals(q.weights().get(GptWeights.WTE), c.policy().weights().get(GptWeights.WTE));
        assertNull(c.optimizer(), "files of the old checkpoint do not linger");
        try (var s = Files.list(dir)) {
            assertEquals(List.of("ck"), s.map(x -> x.getFileName().toString()).toList(), "no temporary directories left");
        }
    }

    @Test
    void frozenCopyKeepsItsValues() {
        Policy p = policy();
        Policy ref = p.frozenCopy();
        INDArray before = ref.weights().get(GptWeights.WTE).dup();
        p.weights().get(GptWeights.WTE).addi(0.5);
        assertEquals(before, ref.weights().get(GptWeights.WTE));
    }
}
