package org.rlhf4j.policy.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.tokenizer.TokenizerSpec;

/**
 * Hugging Face {@code GPT2Config} ({@code config.json}) ↔ {@link GptConfig}. Reading applies GPT2Config's defaults to
 * absent behaviour fields (as {@code from_pretrained} does), requires the five size fields, and rejects every setting
 * our model does not compute (another activation, an MLP width other than 4·n_embd, unscaled or layer-scaled
 * attention, cross-attention). Writing emits the fields {@code save_pretrained} writes for GPT2LMHeadModel.
 */
final class HfGpt2Config {
    /** GPT2Config's default BOS and EOS: {@code <|endoftext|>}. */
    static final int GPT2_END_OF_TEXT = 50256;
    /** Where an export records our tokenizer, so importing it back rebuilds the same one; HF keeps unknown fields. */
    static final String TOKENIZER_FIELD = "rlhf4j_tokenizer";
    private static final double HF_DEFAULT_PDROP = 0.1;

    private HfGpt2Config() {}

    /**
     * Maps {@code config.json} to our config, or returns null after adding to {@code problems} every field that is
     * missing, mistyped or not representable. {@code notes} gets settings that are accepted but only approximated.
     *
     * @param where prefix of every message (the file)
     */
    static GptConfig read(JsonNode c, String where, List<String> problems, List<String> notes) {
        int before = problems.size();
        if (!c.isObject()) {
            problems.add(where + ": must be a JSON object");
            return null;
        }
        if (c.has("model_type") && !"gpt2".equals(c.get("model_type").asText()))
            problems.add(where + ": model_type: expected \"gpt2\", got " + c.get("model_type"));
        int vocab = requiredInt(c, "vocab_size", where, problems);
        int positions = requiredInt(c, "n_positions", where, problems);
        int d = requiredInt(c, "n_embd", where, problems);
        int layers = requiredInt(c, "n_layer", where, problems);
        int heads = requiredInt(c, "n_head", where, problems);

        double eps = 1e-5;
        JsonNode e = c.get("layer_norm_epsilon");
        if (e != null && !e.isNull()) {
            if (e.isNumber()) eps = e.asDouble();
            else problems.add(where + ": layer_norm_epsilon: expected a number, got " + e);
        }

        String activation = GptConfig.GELU_TANH;
        JsonNode act = c.get("activation_function");
        if (act != null && !act.isNull()) {
            if ("gelu_new".equals(act.asText()) && act.isTextual()) activation = GptConfig.GELU_TANH;
            else if ("gelu".equals(act.asText()) && act.isTextual()) activation = GptConfig.GELU_EXACT;
            else problems.add(where + ": activation_function: " + act + " is not supported; rlhf4j computes \"gelu_new\""
                    + " (GPT-2's tanh approximation) and \"gelu\" (exact, x·Φ(x))");
        }

        JsonNode inner = c.get("n_inner");
        if (inner != null && !inner.isNull() && !(inner.isIntegralNumber() && d > 0 && inner.asLong() == 4L * d))
            problems.add(where + ": n_inner: rlhf4j's MLP is 4·n_embd wide, so n_inner must be null or " + (d > 0 ? 4L * d : "4·n_embd") + ", got " + inner);

        requireBoolean(c, "scale_attn_weights", true, "attention scores are always divided by √head_size", where, problems);
        requireBoolean(c, "scale_attn_by_inverse_layer_idx", false, "attention is never scaled by 1/(layer+1)", where, problems);
        requireBoolean(c, "add_cross_attention", false, "the model is decoder-only, with no cross-attention", where, problems);
        JsonNode tie = c.get("tie_word_embeddings");
        if (tie != null && !tie.isBoolean()) problems.add(where + ": tie_word_embeddings: expected true or false, got " + tie);

        double resid = pdrop(c, "resid_pdrop", where, problems);
        double embd = pdrop(c, "embd_pdrop", where, problems);
        double attn = pdrop(c, "attn_pdrop", where, problems);
        if (embd != resid)
            notes.add("embd_pdrop " + embd + " differs from resid_pdrop " + resid + "; rlhf4j has one dropout rate and uses resid_pdrop for embeddings too");
        if (attn != 0)
            notes.add("attn_pdrop " + attn + " is not applied: rlhf4j has no dropout on attention probabilities");

        if (problems.size() > before) return null;
        try {
            return new GptConfig(vocab, positions, d, layers, heads, eps, activation, resid);
        } catch (IllegalArgumentException ex) {
            // GptConfig names the field in each "; "-separated problem after its prefix.
            String msg = ex.getMessage().replaceFirst("^invalid model config: ", "");
            for (String p : msg.split("; ")) problems.add(where + ": " + p);
            return null;
        }
    }

    /**
     * The model sizes alone, so that tensor shapes can still be checked when another config field was rejected;
     * null if any size field is missing or invalid.
     */
    static GptConfig sizesOnly(JsonNode c) {
        List<String> ignored = new java.util.ArrayList<>();
        int vocab = requiredInt(c, "vocab_size", "", ignored), positions = requiredInt(c, "n_positions", "", ignored),
                d = requiredInt(c, "n_embd", "", ignored), layers = requiredInt(c, "n_layer", "", ignored),
                heads = requiredInt(c, "n_head", "", ignored);
        if (!ignored.isEmpty()) return null;
        try {
            return GptConfig.of(vocab, positions, d, layers, heads);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether {@code tie_word_embeddings} is true (GPT2Config's default) in a config {@link #read} accepted. */
    static boolean tiesEmbeddings(JsonNode c) {
        return c.path("tie_word_embeddings").asBoolean(true);
    }

    /** {@code bos_token_id} or {@code eos_token_id}, GPT2Config's default 50256 when absent; null if not an integer. */
    static Integer specialId(JsonNode c, String field) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) return GPT2_END_OF_TEXT;
        return n.isIntegralNumber() && n.canConvertToInt() ? n.asInt() : null;
    }

    /** The config.json GPT2LMHeadModel's {@code save_pretrained} would write for this model and tokenizer. */
    static ObjectNode write(ObjectMapper json, GptConfig g, TokenizerSpec tokenizer) {
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("GPT2LMHeadModel");
        c.put("model_type", "gpt2");
        c.put("vocab_size", g.vocabSize());
        c.put("n_positions", g.contextLength());
        c.put("n_ctx", g.contextLength());
        c.put("n_embd", g.dModel());
        c.put("n_layer", g.nLayer());
        c.put("n_head", g.nHead());
        c.putNull("n_inner");
        c.put("activation_function", g.activation());
        c.put("layer_norm_epsilon", g.layerNormEpsilon());
        c.put("resid_pdrop", g.dropout());
        c.put("embd_pdrop", g.dropout());
        c.put("attn_pdrop", 0.0);
        c.put("initializer_range", 0.02);
        c.put("scale_attn_weights", true);
        c.put("scale_attn_by_inverse_layer_idx", false);
        c.put("reorder_and_upcast_attn", false);
        c.put("tie_word_embeddings", true);
        c.put("use_cache", true);
        c.put("bos_token_id", tokenizer.bos());
        c.put("eos_token_id", tokenizer.eos());
        c.put("torch_dtype", "float32");
        c.set(TOKENIZER_FIELD, json.valueToTree(tokenizer));
        return c;
    }

    private static int requiredInt(JsonNode c, String field, String where, List<String> problems) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) problems.add(where + ": " + field + ": missing");
        else if (!n.isIntegralNumber() || !n.canConvertToInt()) problems.add(where + ": " + field + ": expected an integer, got " + n);
        else return n.asInt();
        return -1;
    }

    private static void requireBoolean(JsonNode c, String field, boolean required, String why, String where, List<String> problems) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) return; // GPT2Config's default is the supported value
        if (!n.isBoolean() || n.asBoolean() != required) problems.add(where + ": " + field + ": must be " + required + " (" + why + "), got " + n);
    }

    private static double pdrop(JsonNode c, String field, String where, List<String> problems) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) return HF_DEFAULT_PDROP;
        if (!n.isNumber() || !(n.asDouble() >= 0 && n.asDouble() < 1)) {
            problems.add(where + ": " + field + ": expected a number in [0, 1), got " + n);
            return 0;
        }
        return n.asDouble();
    }
}
