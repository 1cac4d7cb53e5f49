package org.rlhf4j.policy.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.io.AtomicFiles;
import org.rlhf4j.policy.io.Safetensors;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.Gpt2BpeTokenizer;
import org.rlhf4j.policy.tokenizer.IdsTokenizer;
import org.rlhf4j.policy.tokenizer.Tokenizer;
import org.rlhf4j.policy.tokenizer.TokenizerSpec;

/**
 * Hugging Face GPT-2 checkpoints in and out: a directory with {@code config.json} and {@code model.safetensors}, as
 * {@code GPT2LMHeadModel.save_pretrained} writes it.
 *
 * <p><b>Layout.</b> HF's GPT-2 stores its linear layers as {@code Conv1D}, weight {@code [in, out]} and
 * {@code y = x·W + b}: that is exactly {@link GptWeights}' layout, so {@code attn.c_attn}, {@code attn.c_proj},
 * {@code mlp.c_fc} and {@code mlp.c_proj} are copied as they are, with no transpose (a test matches the logits of an
 * independent forward pass, which a transposed matrix would not). The query, key and value columns of
 * {@code c_attn} are in HF's order [q | k | v], each split into heads of {@code n_embd / n_head} columns, as ours.
 *
 * <p><b>Import</b> accepts tensor names with or without the {@code transformer.} prefix (GPT2LMHeadModel saves with
 * it; GPT2Model and the original OpenAI conversions without), ignores the causal-mask buffers {@code h.N.attn.bias}
 * and {@code h.N.attn.masked_bias} that older versions saved (float32, U8 or BOOL, whatever their values), and accepts an explicit {@code lm_head.weight} only when
 * it equals {@code wte.weight} element for element, since our LM head is tied. Tensors are read as float32 (F16,
 * BF16 and F64 files are converted). Every problem in the directory is reported at once, each naming its file and
 * key. The tokenizer is, in order: the one given by the caller; the one an rlhf4j export recorded in
 * {@code config.json} ({@code "rlhf4j_tokenizer"}); GPT-2's BPE when {@code vocab_size} is 50257; otherwise
 * {@link IdsTokenizer} (ids only) with the config's {@code bos_token_id} and {@code eos_token_id}. A vocabulary size
 * is never taken as proof of a byte or BPE vocabulary beyond GPT-2's own 50257, since a wrong guess would silently
 * scramble every prompt.
 *
 * <p><b>Export</b> writes what {@code GPT2LMHeadModel.save_pretrained} writes: backbone tensors under
 * {@code transformer.}, no {@code lm_head.weight} (HF drops the tied copy and re-ties on load), no mask buffers,
 * float32, and {@code __metadata__ {"format": "pt"}} (transformers refuses safetensors files without it). Value and
 * reward heads, which GPT2LMHeadModel does not have, are written unprefixed as {@code value_head.*} and
 * {@code reward_head.*}: transformers reports them as unused and loads the rest, and importing the directory back
 * restores them, so an export loses nothing. Import → export → import is bit-exact.
 */
public final class HfGpt2 {
    public static final String CONFIG = "config.json", WEIGHTS = "model.safetensors";
    public static final String PREFIX = "transformer.", LM_HEAD = "lm_head.weight";
    private static final Pattern MASK_BUFFER = Pattern.compile("h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final Set<String> HEAD_TENSORS = Set.of(GptWeights.VALUE_W, GptWeights.VALUE_B, GptWeights.REWARD_W, GptWeights.REWARD_B);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfGpt2() {}

    /**
     * An imported policy and what the import left aside.
     *
     * @param ignoredTensors tensor names as in the file that were not loaded (mask buffers, a tied lm_head.weight)
     * @param notes          config settings accepted but not reproduced exactly (e.g. attention dropout)
     */
    public record Imported(Policy policy, List<String> ignoredTensors, List<String> notes) {}

    /** A directory that cannot be imported; the message lists every problem, one per line, each naming file and key. */
    public static final class ImportException extends IOException {
        private final List<String> problems;

        public ImportException(Path dir, List<String> problems) {
            super("cannot import Hugging Face GPT-2 checkpoint " + dir + ":\n  " + String.join("\n  ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** Imports with the tokenizer chosen as the class comment describes. */
    public static Imported importDir(Path hfDir) throws IOException {
        return importDir(hfDir, null);
    }

    /**
     * Imports {@code config.json} + {@code model.safetensors}.
     *
     * @param tokenizer the tokenizer to attach, or null to choose one from the config
     */
    public static Imported importDir(Path hfDir, Tokenizer tokenizer) throws IOException {
        List<String> problems = new ArrayList<>(), notes = new ArrayList<>(), ignored = new ArrayList<>();
        Path configFile = hfDir.resolve(CONFIG), weightsFile = hfDir.resolve(WEIGHTS);
        if (!Files.isDirectory(hfDir)) throw new ImportException(hfDir, List.of(hfDir + ": not a directory"));

        // 1. config.json
        JsonNode raw = null;
        GptConfig config = null;
        if (!Files.isRegularFile(configFile)) problems.add(configFile + ": missing");
        else {
            try {
                raw = JSON.readTree(configFile.toFile());
                config = HfGpt2Config.read(raw, configFile.toString(), problems, notes);
            } catch (IOException e) {
                problems.add(configFile + ": not valid JSON (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
            }
        }

        // 2. model.safetensors: rename, drop buffers, check the LM head is the tied embedding
        LinkedHashMap<String, INDArray> arrays = null;
        if (!Files.isRegularFile(weightsFile)) problems.add(weightsFile + ": missing" + missingWeightsHint(hfDir));
        else {
            try {
                arrays = renameTensors(Safetensors.read(weightsFile).tensors(), weightsFile, raw, problems, ignored);
            } catch (Safetensors.FormatException e) {
                problems.add(e.getMessage());
            }
        }

        // 3. weights against the config, and the tokenizer
        GptWeights weights = null;
        GptConfig shapes = config != null ? config : raw != null && raw.isObject() ? HfGpt2Config.sizesOnly(raw) : null;
        if (shapes != null && arrays != null) {
            try {
                weights = new GptWeights(shapes, arrays);
            } catch (IllegalArgumentException e) {
                for (String line : e.getMessage().split("\n")) problems.add(weightsFile + ": " + line);
            }
        }
        Tokenizer tok = tokenizer;
        if (tok == null && config != null) tok = chooseTokenizer(raw, config, configFile.toString(), problems);
        if (problems.isEmpty() && weights != null && tok != null) {
            try {
                return new Imported(new Policy(config, tok, weights), List.copyOf(ignored), List.copyOf(notes));
            } catch (IllegalArgumentException e) {
                problems.add(configFile + ": " + e.getMessage());
            }
        }
        throw new ImportException(hfDir, problems);
    }

    /** What else is in the directory when model.safetensors is not, so the message says what to do. */
    private static String missingWeightsHint(Path dir) {
        if (Files.exists(dir.resolve("model.safetensors.index.json")))
            return " (found model.safetensors.index.json: sharded checkpoints are not supported; save with a larger max_shard_size)";
        if (Files.exists(dir.resolve("pytorch_model.bin")))
            return " (found pytorch_model.bin: rlhf4j does not read pickle files; re-save with save_pretrained(..., safe_serialization=True))";
        return "";
    }

    /** File names → our names (prefix stripped, buffers dropped, tied head checked); adds problems and ignored names. */
    private static LinkedHashMap<String, INDArray> renameTensors(Map<String, INDArray> file, Path where, JsonNode config,
                                                                 List<String> problems, List<String> ignored) {
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        Map<String, String> source = new LinkedHashMap<>(); // our name → file name, to report duplicates
        INDArray lmHead = null;
        String lmHeadKey = null;
        for (var e : file.entrySet()) {
            String key = e.getKey(), name = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
            INDArray a = e.getValue();
            if (MASK_BUFFER.matcher(name).matches()) {
                ignored.add(key);
                continue;
            }
            if (!a.dataType().isFPType()) {
                problems.add(where + ": tensor " + key + ": expected a floating-point dtype, got " + a.dataType());
                continue;
            }
            if (name.equals(LM_HEAD)) {
                lmHead = a;
                lmHeadKey = key;
                continue;
            }
            String previous = source.putIfAbsent(name, key);
            if (previous != null) {
                problems.add(where + ": tensor " + key + ": duplicates " + previous + " (the same parameter with and without \"" + PREFIX + "\")");
                continue;
            }
            out.put(name, a.castTo(DataType.FLOAT));
        }
        boolean tied = config == null || HfGpt2Config.tiesEmbeddings(config);
        INDArray wte = out.get(GptWeights.WTE);
        if (lmHead == null) {
            if (!tied) problems.add(where + ": " + LM_HEAD + ": missing, and config.json sets tie_word_embeddings=false, so the LM head is not wte.weight");
        } else if (wte != null) {
            String diff = difference(lmHead.castTo(DataType.FLOAT), wte);
            if (diff != null) problems.add(where + ": tensor " + lmHeadKey + ": " + diff + "; rlhf4j ties the LM head to "
                    + GptWeights.WTE + ", so an untied head cannot be represented");
            else ignored.add(lmHeadKey);
        }
        return out;
    }

    /** Null when {@code head} equals {@code wte} element for element, else how they differ. */
    private static String difference(INDArray head, INDArray wte) {
        if (!java.util.Arrays.equals(head.shape(), wte.shape()))
            return "shape " + java.util.Arrays.toString(head.shape()) + " differs from " + GptWeights.WTE + "'s " + java.util.Arrays.toString(wte.shape());
        float[] h = head.dup('c').data().asFloat(), w = wte.dup('c').data().asFloat();
        long differing = 0;
        double worst = 0;
        for (int i = 0; i < h.length; i++) {
            if (h[i] != w[i]) {
                differing++;
                worst = Math.max(worst, Math.abs((double) h[i] - w[i]));
            }
        }
        return differing == 0 ? null : "differs from " + GptWeights.WTE + " in " + differing + " of " + h.length + " entries (max |Δ| = " + String.format(java.util.Locale.ROOT, "%.3g", worst) + ")";
    }

    private static Tokenizer chooseTokenizer(JsonNode config, GptConfig g, String where, List<String> problems) {
        JsonNode recorded = config.get(HfGpt2Config.TOKENIZER_FIELD);
        try {
            if (recorded != null && !recorded.isNull()) return Tokenizer.fromSpec(JSON.treeToValue(recorded, TokenizerSpec.class));
        } catch (IOException | IllegalArgumentException e) {
            problems.add(where + ": " + HfGpt2Config.TOKENIZER_FIELD + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return null;
        }
        Integer bos = HfGpt2Config.specialId(config, "bos_token_id"), eos = HfGpt2Config.specialId(config, "eos_token_id");
        int before = problems.size();
        for (var id : List.of(Map.entry("bos_token_id", bos == null ? -1 : bos), Map.entry("eos_token_id", eos == null ? -1 : eos))) {
            int v = id.getValue();
            boolean absent = config.get(id.getKey()) == null || config.get(id.getKey()).isNull();
            if (v < 0 || v >= g.vocabSize())
                problems.add(where + ": " + id.getKey() + ": " + (absent ? "absent, and GPT2Config's default " + v : "id " + config.get(id.getKey()))
                        + " is not a token of vocab_size " + g.vocabSize());
            else if (g.vocabSize() == Gpt2BpeTokenizer.GPT2_VOCAB && v != Gpt2BpeTokenizer.END_OF_TEXT)
                problems.add(where + ": " + id.getKey() + ": GPT-2's BPE (vocab_size 50257) uses <|endoftext|> = 50256, got " + v
                        + "; pass the tokenizer explicitly if this model uses another");
        }
        if (problems.size() > before) return null;
        if (g.vocabSize() == Gpt2BpeTokenizer.GPT2_VOCAB) return new Gpt2BpeTokenizer();
        return new IdsTokenizer(g.vocabSize(), bos, eos);
    }

    /**
     * Writes {@code out/config.json} and {@code out/model.safetensors} in one atomic step (the directory is built
     * aside and swapped in). An existing {@code out} is replaced only if it holds nothing but those two files, so a
     * directory with other content (tokenizer files, a checkpoint) is never deleted.
     */
    public static void exportDir(Policy policy, Path out) throws IOException {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) throw new IOException(out + ": exists and is not a directory");
            List<String> foreign;
            try (Stream<Path> s = Files.list(out)) {
                foreign = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(CONFIG) && !n.equals(WEIGHTS)).sorted().toList();
            }
            if (!foreign.isEmpty())
                throw new IOException(out + ": refusing to replace a directory that holds other files " + foreign + "; export to a new or empty directory");
        }
        LinkedHashMap<String, INDArray> tensors = new LinkedHashMap<>();
        for (var e : policy.weights().arrays().entrySet())
            tensors.put(HEAD_TENSORS.contains(e.getKey()) ? e.getKey() : PREFIX + e.getKey(), e.getValue());
        JsonNode config = HfGpt2Config.write(JSON, policy.config(), policy.tokenizer().spec());
        AtomicFiles.writeDirectory(out, tmp -> {
            Safetensors.write(tmp.resolve(WEIGHTS), tensors, Map.of("format", "pt"), Safetensors.Dtype.F32);
            JSON.writeValue(tmp.resolve(CONFIG).toFile(), config);
        });
    }
}
