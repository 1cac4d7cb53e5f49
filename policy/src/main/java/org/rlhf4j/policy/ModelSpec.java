package org.rlhf4j.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.policy.config.Validated;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;
import org.rlhf4j.policy.tokenizer.Gpt2BpeTokenizer;
import org.rlhf4j.policy.tokenizer.Tokenizer;
import org.rlhf4j.policy.tokenizer.TokenizerSpec;

/**
 * A freshly initialised policy: its shape, its tokenizer and the seed of its random weights. The config of
 * {@code ./rlhf4j init} and the {@code model} section of a pretraining config.
 *
 * @param model     the transformer's shape
 * @param tokenizer "byte", "gpt2-bpe", "bpe:N" (a byte-level BPE of N ids, specials included, trained on the
 *                  pretraining corpus by {@code ./rlhf4j pretrain}) or the path of a checkpoint's tokenizer.json
 * @param seed      seed of the initial weights
 */
public record ModelSpec(@JsonProperty("model") GptConfig model, @JsonProperty("tokenizer") String tokenizer,
                        @JsonProperty("seed") long seed) implements Validated {

    /** The prefix of a tokenizer trained on the pretraining corpus: "bpe:2048". */
    public static final String TRAINED_BPE = "bpe:";

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        boolean known = tokenizer != null && (tokenizer.startsWith(TRAINED_BPE) || tokenizer.endsWith(".json")
                || ByteTokenizer.TYPE.equals(tokenizer) || Gpt2BpeTokenizer.TYPE.equals(tokenizer));
        if (!known) {
            p.add(prefix + "tokenizer: expected \"byte\", \"gpt2-bpe\", \"bpe:<vocab size>\" or a tokenizer.json path, got "
                    + (tokenizer == null ? "nothing" : "\"" + tokenizer + "\""));
            return p;
        }
        int need;
        if (tokenizer.startsWith(TRAINED_BPE)) {
            need = trainedBpeVocab();
            if (need == 0) {
                p.add(prefix + "tokenizer: expected \"bpe:N\" with a whole number N, got \"" + tokenizer + "\"");
                return p;
            }
            if (need < 259) p.add(prefix + "tokenizer: expected \"bpe:N\" with N >= 259 (256 bytes + 3 specials), got \"" + tokenizer + "\"");
        } else {
            try {
                need = newTokenizer().vocabSize();
            } catch (IllegalArgumentException | UncheckedIOException e) {
                p.add(prefix + "tokenizer: " + e.getMessage());
                return p;
            }
        }
        if (model.vocabSize() < need)
            p.add(prefix + "model.vocab_size: expected >= " + need + " for the " + tokenizer + " tokenizer, got " + model.vocabSize());
        return p;
    }

    /** N for "bpe:N" (a BPE the pretraining stage trains on its corpus), else 0. */
    public int trainedBpeVocab() {
        if (tokenizer == null || !tokenizer.startsWith(TRAINED_BPE)) return 0;
        try {
            return Integer.parseInt(tokenizer.substring(TRAINED_BPE.length()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The tokenizer this spec names; "bpe:N" has none until a corpus is given ({@link #initialise(Tokenizer)}). */
    public Tokenizer newTokenizer() {
        if (trainedBpeVocab() != 0)
            throw new IllegalArgumentException("tokenizer \"" + tokenizer + "\" is trained on a corpus: use ./rlhf4j pretrain, or name a checkpoint's tokenizer.json");
        if (tokenizer.endsWith(".json")) {
            Path f = Path.of(tokenizer);
            try {
                return Tokenizer.fromSpec(new ObjectMapper().readValue(f.toFile(), TokenizerSpec.class));
            } catch (IOException e) {
                throw new UncheckedIOException(f + ": expected a tokenizer.json (" + e.getMessage() + ")", e);
            }
        }
        return Tokenizer.fromSpec(new TokenizerSpec(tokenizer, 0, 0, 0, 0));
    }

    /** A new policy with GPT-2-style random weights and the given tokenizer. */
    public Policy initialise(Tokenizer tok) {
        return new Policy(model, tok, GptWeights.init(model, seed, DataType.FLOAT));
    }

    /** A new policy with GPT-2-style random weights. */
    public Policy initialise() {
        return initialise(newTokenizer());
    }
}
