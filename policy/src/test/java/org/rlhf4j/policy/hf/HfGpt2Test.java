package org.rlhf4j.policy.hf;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.io.Safetensors;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.tokenizer.Gpt2BpeTokenizer;
import org.rlhf4j.policy.tokenizer.IdsTokenizer;

/**
 * Import and export against the fixtures in {@code src/test/resources/fixtures} (written by
 * {@code make_gpt2_fixtures.py} there): tiny 2-block GPT-2 checkpoints saved in HF's layouts, each with the logits of
 * an independent float64 forward pass in {@code expected.json}.
 *
 * <ul>
 *   <li>{@value #TINY}: plain names, tied head, no buffers, vocab 1000, n_embd 32, n_head 4; the error-path tests edit
 *       copies of it;</li>
 *   <li>{@value #MASK_BUFFERS}: plain names with float32 {@code h.N.attn.bias} masks (the Hub's gpt2 file), tied
 *       head, vocab 300, n_embd 24, n_head 3;</li>
 *   <li>{@value #LM_HEAD}: {@code transformer.} names, BOOL {@code attn.bias} and scalar {@code attn.masked_bias}
 *       buffers, an explicit {@code lm_head.weight} equal to {@code wte.weight}, vocab 300, n_embd 24, n_head 6.</li>
 * </ul>
 */
class HfGpt2Test {
    static final ObjectMapper JSON = new ObjectMapper();
    static final double LOGIT_TOLERANCE = 1e-4;
    static final String TINY = "gpt2-tiny", MASK_BUFFERS = "gpt2-mask-buffers", LM_HEAD = "gpt2-lm-head";

    @TempDir
    Path tmp;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    /** A fixture directory from the test classpath; a missing fixture fails the test. */
    static Path fixture(String name) {
        URL config = HfGpt2Test.class.getResource("/fixtures/" + name + "/" + HfGpt2.CONFIG);
        assertNotNull(config, "fixture missing from the test classpath: fixtures/" + name + " (policy/src/test/resources/fixtures/make_gpt2_fixtures.py writes it)");
        Path dir;
        try {
            dir = Path.of(config.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
        assertTrue(Files.isRegularFile(dir.resolve(HfGpt2.WEIGHTS)) && Files.isRegularFile(dir.resolve("expected.json")), "fixture incomplete: " + dir);
        return dir;
    }

    static Path fixture() {
        return fixture(TINY);
    }

    record Expected(int[] ids, double[][] logits) {}

    static Expected expected() throws IOException {
        return expected(TINY);
    }

    static Expected expected(String name) throws IOException {
        JsonNode e = JSON.readTree(fixture(name).resolve("expected.json").toFile());
        return new Expected(JSON.treeToValue(e.get("input_ids"), int[].class), JSON.treeToValue(e.get("logits"), double[][].class));
    }

    static float[][] logits(Policy p, int[] ids) {
        return p.logits(TokenBatch.rightPadded(List.of(ids), ids.length)).castTo(DataType.FLOAT).toFloatMatrix();
    }

    static double maxAbsError(float[][] got, double[][] want) {
        assertEquals(want.length, got.length, "rows");
        double worst = 0;
        for (int t = 0; t < want.length; t++) {
            assertEquals(want[t].length, got[t].length, "vocabulary");
            for (int v = 0; v < want[t].length; v++) worst = Math.max(worst, Math.abs(got[t][v] - want[t][v]));
        }
        return worst;
    }

    /** A copy of the {@value #TINY} fixture with its config and tensors edited (tensor names as in the file). */
    Path edited(String name, Consumer<ObjectNode> config, Consumer<LinkedHashMap<String, INDArray>> tensors) throws IOException {
        return edited(TINY, name, config, tensors);
    }

    /** A copy of fixture {@code from} with its config and tensors edited (tensor names as in the file). */
    Path edited(String from, String name, Consumer<ObjectNode> config, Consumer<LinkedHashMap<String, INDArray>> tensors) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        ObjectNode c = (ObjectNode) JSON.readTree(fixture(from).resolve(HfGpt2.CONFIG).toFile());
        config.accept(c);
        JSON.writeValue(dir.resolve(HfGpt2.CONFIG).toFile(), c);
        LinkedHashMap<String, INDArray> t = Safetensors.read(fixture(from).resolve(HfGpt2.WEIGHTS)).tensors();
        tensors.accept(t);
        Safetensors.write(dir.resolve(HfGpt2.WEIGHTS), t, Map.of("format", "pt"), Safetensors.Dtype.F32);
        return dir;
    }

    static HfGpt2.ImportException importFails(Path dir) {
        return assertThrows(HfGpt2.ImportException.class, () -> HfGpt2.importDir(dir));
    }

    static void assertNamed(List<String> problems, String... keys) {
        for (String k : keys)
            assertTrue(problems.stream().anyMatch(p -> p.contains(k)), "no problem names " + k + " in " + problems);
    }

    @Test
    void fixtureImportsWithItsConfigAndAnIdsOnlyTokenizer() throws IOException {
        HfGpt2.Imported imp = HfGpt2.importDir(fixture());
        GptConfig c = imp.policy().config();
        assertEquals(new GptConfig(1000, 64, 32, 2, 4, 1e-5, GptConfig.GELU_TANH, 0.1), c);
        assertInstanceOf(IdsTokenizer.class, imp.policy().tokenizer());
        assertEquals(999, imp.policy().tokenizer().eos());
        assertEquals(999, imp.policy().tokenizer().bos());
        assertEquals(1000, imp.policy().tokenizer().pad());
        assertEquals(List.of(), imp.ignoredTensors());
        assertNamed(imp.notes(), "attn_pdrop 0.1");
        assertEquals(c.parameterCount(), imp.policy().parameterCount());
    }

    @Test
    void fixtureLogitsMatchTheIndependentForwardPass() throws IOException {
        Expected e = expected();
        Policy p = HfGpt2.importDir(fixture()).policy();
        double err = maxAbsError(logits(p, e.ids()), e.logits());
        assertTrue(err <= LOGIT_TOLERANCE, "max |Δlogit| = " + err);
    }

    @ParameterizedTest
    @ValueSource(strings = {TINY, MASK_BUFFERS, LM_HEAD})
    void everyFixtureMatchesItsIndependentForwardPass(String name) throws IOException {
        Expected e = expected(name);
        Policy p = HfGpt2.importDir(fixture(name)).policy();
        double err = maxAbsError(logits(p, e.ids()), e.logits());
        assertTrue(err <= LOGIT_TOLERANCE, name + ": max |Δlogit| = " + err);
    }

    @Test
    void plainNamesWithFloatMaskBuffersAndThreeHeadsImport() throws IOException {
        HfGpt2.Imported imp = HfGpt2.importDir(fixture(MASK_BUFFERS));
        assertEquals(new GptConfig(300, 32, 24, 2, 3, 1e-5, GptConfig.GELU_TANH, 0.1), imp.policy().config());
        assertEquals(List.of("h.0.attn.bias", "h.1.attn.bias"), imp.ignoredTensors());
    }

    /** What GPT2LMHeadModel.state_dict() held in transformers 4.x: a BOOL mask and a shape-[] masked_bias per block. */
    @Test
    void prefixedNamesWithBoolMasksMaskedBiasAnEqualLmHeadAndSixHeadsImport() throws IOException {
        HfGpt2.Imported imp = HfGpt2.importDir(fixture(LM_HEAD));
        assertEquals(new GptConfig(300, 32, 24, 2, 6, 1e-5, GptConfig.GELU_TANH, 0.1), imp.policy().config());
        assertEquals(Set.of("transformer.h.0.attn.bias", "transformer.h.1.attn.bias", "transformer.h.0.attn.masked_bias",
                "transformer.h.1.attn.masked_bias", "lm_head.weight"), Set.copyOf(imp.ignoredTensors()));
        assertEquals(5, imp.ignoredTensors().size(), imp.ignoredTensors().toString());
        assertFalse(imp.policy().weights().names().stream().anyMatch(n -> n.startsWith("transformer.") || n.contains("lm_head")),
                imp.policy().weights().names().toString());
    }

    /** The buffers are left unread: masks of zeros and noise, and another masked_bias, give the same logits. */
    @Test
    void maskBufferContentsDoNotReachTheModel() throws IOException {
        Path dir = edited(MASK_BUFFERS, "scrambled-masks", c -> {}, t -> {
            t.put("h.0.attn.bias", Nd4j.zeros(DataType.FLOAT, 1, 1, 32, 32));
            t.put("h.1.attn.bias", Nd4j.rand(DataType.FLOAT, 1, 1, 32, 32));
            t.put("h.1.attn.masked_bias", Nd4j.scalar(7f));
        });
        HfGpt2.Imported imp = HfGpt2.importDir(dir);
        assertEquals(List.of("h.0.attn.bias", "h.1.attn.bias", "h.1.attn.masked_bias"), imp.ignoredTensors());
        Expected e = expected(MASK_BUFFERS);
        double err = maxAbsError(logits(imp.policy(), e.ids()), e.logits());
        assertTrue(err <= LOGIT_TOLERANCE, "max |Δlogit| = " + err);
    }

    /** The prefixed fixture rewritten in the plain layout, without buffers and with the head tied, is the same model. */
    @Test
    void theSameWeightsInThePlainTiedLayoutImportBitForBit() throws IOException {
        Path dir = edited(LM_HEAD, "plain-tied", c -> {}, t -> {
            LinkedHashMap<String, INDArray> plain = new LinkedHashMap<>();
            t.forEach((k, v) -> {
                String name = k.replaceFirst("^transformer\\.", "");
                if (!name.equals("lm_head.weight") && !name.matches("h\\.\\d+\\.attn\\.(bias|masked_bias)")) plain.put(name, v);
            });
            t.clear();
            t.putAll(plain);
        });
        HfGpt2.Imported tied = HfGpt2.importDir(dir);
        assertEquals(List.of(), tied.ignoredTensors());
        Policy explicit = HfGpt2.importDir(fixture(LM_HEAD)).policy();
        assertEquals(explicit.weights().names(), tied.policy().weights().names());
        for (String name : explicit.weights().names())
            assertArrayEquals(bits(explicit.weights().get(name)), bits(tied.policy().weights().get(name)), name);
    }

    /** n_head decides how c_attn's columns split into heads: the same tensors read with another head count (same shapes) differ. */
    @Test
    void theHeadCountIsHonoured() throws IOException {
        for (var c : List.of(Map.entry(MASK_BUFFERS, 6), Map.entry(LM_HEAD, 3), Map.entry(TINY, 2))) {
            Path dir = edited(c.getKey(), c.getKey() + "-as-" + c.getValue() + "-heads", cfg -> cfg.put("n_head", c.getValue()), t -> {});
            Policy p = HfGpt2.importDir(dir).policy();
            assertEquals(c.getValue(), p.config().nHead());
            double err = maxAbsError(logits(p, expected(c.getKey()).ids()), expected(c.getKey()).logits());
            assertTrue(err > 100 * LOGIT_TOLERANCE, c.getKey() + " read with n_head " + c.getValue() + " still matched: max |Δlogit| = " + err);
        }
    }

    @Test
    void tokenLogprobsMatchLogSoftmaxOfTheExpectedLogits() throws IOException {
        Expected e = expected();
        Policy p = HfGpt2.importDir(fixture()).policy();
        float[] got = p.score(List.of(e.ids()), 1.0, false, false).tokenLogprobs().get(0);
        assertEquals(e.ids().length - 1, got.length);
        for (int t = 0; t + 1 < e.ids().length; t++) {
            double[] row = e.logits()[t];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (double l : row) max = Math.max(max, l);
            for (double l : row) sum += Math.exp(l - max);
            double want = row[e.ids()[t + 1]] - max - Math.log(sum);
            assertEquals(want, got[t], 2 * LOGIT_TOLERANCE, "log P(token " + (t + 1) + ")");
        }
    }

    /** HF's Conv1D [in, out] is our layout: transposing a square matrix (same shape, so it would load) breaks the match. */
    @Test
    void weightsAreUsedWithoutTransposeAndTheTestWouldSeeOne() throws IOException {
        Expected e = expected();
        Policy p = HfGpt2.importDir(fixture()).policy();
        for (String name : List.of("h.0.attn.c_proj.weight", "h.1.attn.c_proj.weight")) {
            INDArray w = p.weights().get(name);
            w.assign(w.transpose().dup('c'));
        }
        double err = maxAbsError(logits(p, e.ids()), e.logits());
        assertTrue(err > 100 * LOGIT_TOLERANCE, "transposed c_proj still matched: max |Δlogit| = " + err);
    }

    @Test
    void prefixedNamesMaskBuffersAndAnEqualLmHeadImportToTheSameModel() throws IOException {
        Path dir = edited("prefixed", c -> {}, t -> {
            LinkedHashMap<String, INDArray> renamed = new LinkedHashMap<>();
            t.forEach((k, v) -> renamed.put("transformer." + k, v));
            renamed.put("transformer.h.0.attn.bias", Nd4j.ones(DataType.FLOAT, 1, 1, 64, 64));
            renamed.put("transformer.h.1.attn.masked_bias", Nd4j.scalar(-1e4f));
            renamed.put("lm_head.weight", t.get("wte.weight").dup());
            t.clear();
            t.putAll(renamed);
        });
        HfGpt2.Imported imp = HfGpt2.importDir(dir);
        assertEquals(List.of("transformer.h.0.attn.bias", "transformer.h.1.attn.masked_bias", "lm_head.weight"), imp.ignoredTensors());
        Policy plain = HfGpt2.importDir(fixture()).policy();
        for (String name : plain.weights().names())
            assertArrayEquals(floats(plain.weights().get(name)), floats(imp.policy().weights().get(name)), name);
    }

    @Test
    void anLmHeadThatDiffersFromWteIsRejectedByName() throws IOException {
        Path dir = edited("untied", c -> {}, t -> {
            INDArray head = t.get("wte.weight").dup();
            head.putScalar(new long[] {7, 3}, head.getFloat(7, 3) + 0.5f);
            t.put("lm_head.weight", head);
        });
        HfGpt2.ImportException ex = importFails(dir);
        assertEquals(1, ex.problems().size(), ex.getMessage());
        assertNamed(ex.problems(), "lm_head.weight: differs from wte.weight in 1 of 32000 entries (max |Δ| = 0.500)");
    }

    @Test
    void configProblemsAreAllReportedAtOnceNamingTheirKeys() throws IOException {
        Path dir = edited("bad-config", c -> {
            c.put("activation_function", "relu");
            c.put("n_inner", 64);
            c.put("layer_norm_epsilon", "small");
            c.put("scale_attn_weights", false);
            c.put("tie_word_embeddings", false);
            c.remove("n_head");
        }, t -> {});
        HfGpt2.ImportException ex = importFails(dir);
        assertNamed(ex.problems(), "config.json: activation_function: \"relu\" is not supported",
                "config.json: n_inner: rlhf4j's MLP is 4·n_embd wide, so n_inner must be null or 128, got 64",
                "config.json: layer_norm_epsilon: expected a number", "config.json: scale_attn_weights: must be true",
                "config.json: n_head: missing", "model.safetensors: lm_head.weight: missing, and config.json sets tie_word_embeddings=false");
        assertEquals(6, ex.problems().size(), ex.getMessage());
    }

    @Test
    void configAndTensorProblemsComeInOneError() throws IOException {
        Path dir = edited("bad-both", c -> c.put("activation_function", "silu"), t -> t.remove("ln_f.bias"));
        HfGpt2.ImportException ex = importFails(dir);
        assertNamed(ex.problems(), "config.json: activation_function: \"silu\"", "model.safetensors: tensor ln_f.bias: missing");
        assertEquals(2, ex.problems().size(), ex.getMessage());
    }

    @Test
    void tensorProblemsAreAllReportedAtOnceNamingTheirTensors() throws IOException {
        Path dir = edited("bad-tensors", c -> {}, t -> {
            t.remove("h.1.mlp.c_fc.bias");
            t.put("h.0.attn.c_attn.weight", t.get("h.0.attn.c_attn.weight").transpose().dup('c'));
            t.put("score.weight", Nd4j.zeros(DataType.FLOAT, 2, 32));
            t.put("transformer.wpe.weight", t.get("wpe.weight").dup());
            t.put("h.0.ln_1.bias", t.get("h.0.ln_1.bias").castTo(DataType.INT));
        });
        HfGpt2.ImportException ex = importFails(dir);
        assertNamed(ex.problems(), "tensor h.1.mlp.c_fc.bias: missing",
                "tensor h.0.attn.c_attn.weight: expected shape [32, 96], got [96, 32]",
                "tensor score.weight: not a parameter", "tensor transformer.wpe.weight: duplicates wpe.weight",
                "tensor h.0.ln_1.bias: expected a floating-point dtype");
    }

    @Test
    void specialIdsOutsideTheVocabularyAreReported() throws IOException {
        Path dir = edited("no-specials", c -> {
            c.remove("bos_token_id");
            c.put("eos_token_id", 1000);
        }, t -> {});
        HfGpt2.ImportException ex = importFails(dir);
        assertNamed(ex.problems(), "bos_token_id: absent, and GPT2Config's default 50256 is not a token of vocab_size 1000",
                "eos_token_id: id 1000 is not a token of vocab_size 1000");
    }

    @Test
    void exactGeluIsHonoured() throws IOException {
        Expected e = expected();
        Policy exact = HfGpt2.importDir(edited("gelu", c -> c.put("activation_function", "gelu"), t -> {})).policy();
        assertEquals(GptConfig.GELU_EXACT, exact.config().activation());
        // Measured once by printing maxAbsError from this class: gelu_new matches to 2.2e-6, exact GELU is off by 1.4e-3.
        double err = maxAbsError(logits(exact, e.ids()), e.logits());
        assertTrue(err > 5 * LOGIT_TOLERANCE, "exact GELU gave the tanh form's logits: max |Δlogit| = " + err);
    }

    @Test
    void missingFilesAreBothReported() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        assertNamed(importFails(dir).problems(), "config.json: missing", "model.safetensors: missing");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {0});
        assertNamed(importFails(dir).problems(), "model.safetensors: missing (found pytorch_model.bin: rlhf4j does not read pickle files");
    }

    @Test
    void importExportImportIsBitExact() throws IOException {
        Policy first = HfGpt2.importDir(fixture()).policy().withHead(Head.VALUE, 5).withHead(Head.REWARD, 6);
        Path out1 = tmp.resolve("out1"), out2 = tmp.resolve("out2");
        HfGpt2.exportDir(first, out1);

        // What HF's GPT2LMHeadModel.save_pretrained writes: prefixed backbone, no lm_head, format "pt".
        Safetensors.Contents file = Safetensors.read(out1.resolve(HfGpt2.WEIGHTS));
        assertEquals(Map.of("format", "pt"), file.metadata());
        assertTrue(file.tensors().containsKey("transformer.h.1.mlp.c_proj.weight"));
        assertFalse(file.tensors().containsKey("lm_head.weight"));
        for (String k : file.tensors().keySet())
            assertTrue(k.startsWith("transformer.") || k.startsWith("value_head.") || k.startsWith("reward_head."), k);
        JsonNode cfg = JSON.readTree(out1.resolve(HfGpt2.CONFIG).toFile());
        assertEquals("GPT2LMHeadModel", cfg.get("architectures").get(0).asText());
        assertTrue(cfg.get("n_inner").isNull());
        assertTrue(cfg.get("tie_word_embeddings").asBoolean());
        assertEquals(999, cfg.get("eos_token_id").asInt());

        Policy second = HfGpt2.importDir(out1).policy();
        assertEquals(first.config(), second.config());
        assertEquals(first.tokenizer().spec(), second.tokenizer().spec());
        assertEquals(first.weights().names(), second.weights().names());
        for (String name : first.weights().names())
            assertArrayEquals(bits(first.weights().get(name)), bits(second.weights().get(name)), name);

        HfGpt2.exportDir(second, out2);
        for (String f : List.of(HfGpt2.CONFIG, HfGpt2.WEIGHTS))
            assertArrayEquals(Files.readAllBytes(out1.resolve(f)), Files.readAllBytes(out2.resolve(f)), f);
    }

    @Test
    void exportOverwritesItsOwnDirectoryButNeverForeignFiles() throws IOException {
        Policy p = HfGpt2.importDir(fixture()).policy();
        Path out = tmp.resolve("out");
        HfGpt2.exportDir(p, out);
        HfGpt2.exportDir(p, out); // replacing a previous export is fine
        Files.writeString(out.resolve("vocab.json"), "{}");
        IOException ex = assertThrows(IOException.class, () -> HfGpt2.exportDir(p, out));
        assertTrue(ex.getMessage().contains("[vocab.json]"), ex.getMessage());
        assertEquals("{}", Files.readString(out.resolve("vocab.json")));
        assertTrue(Files.exists(out.resolve(HfGpt2.WEIGHTS)));
    }

    @Test
    void theTokenizerComesBackFromAnExportAndGpt2VocabularyMeansGpt2Bpe() throws IOException {
        GptConfig byteModel = GptConfig.of(ByteTokenizer.VOCAB, 8, 4, 1, 1);
        Path bytes = tmp.resolve("bytes");
        HfGpt2.exportDir(new Policy(byteModel, new ByteTokenizer(), GptWeights.init(byteModel, 1, DataType.FLOAT)), bytes);
        assertInstanceOf(ByteTokenizer.class, HfGpt2.importDir(bytes).policy().tokenizer());

        // Without the recorded tokenizer (a checkpoint from elsewhere), 50257 ids are GPT-2's BPE.
        GptConfig gpt2Vocab = GptConfig.of(Gpt2BpeTokenizer.GPT2_VOCAB, 8, 4, 1, 1);
        Path bpe = tmp.resolve("bpe");
        HfGpt2.exportDir(new Policy(gpt2Vocab, new Gpt2BpeTokenizer(), GptWeights.init(gpt2Vocab, 1, DataType.FLOAT)), bpe);
        ObjectNode c = (ObjectNode) JSON.readTree(bpe.resolve(HfGpt2.CONFIG).toFile());
        c.remove(HfGpt2Config.TOKENIZER_FIELD);
        JSON.writeValue(bpe.resolve(HfGpt2.CONFIG).toFile(), c);
        assertInstanceOf(Gpt2BpeTokenizer.class, HfGpt2.importDir(bpe).policy().tokenizer());

        // An explicit tokenizer wins over both.
        assertInstanceOf(IdsTokenizer.class, HfGpt2.importDir(bpe, new IdsTokenizer(50257, 0, 1)).policy().tokenizer());
    }

    static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    static int[] bits(INDArray a) {
        float[] f = floats(a);
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }
}
