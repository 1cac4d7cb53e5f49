package org.rlhf4j.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
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
 * @param tokenizer "byte" or "gpt2-bpe"
 * @param seed      seed of the initial weights
 */
public record ModelSpec(@JsonProperty("model") GptConfig model, @JsonProperty("tokenizer") String tokenizer,
                        @JsonProperty("seed") long seed) implements Validated {

    @Override
    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (!ByteTokenizer.TYPE.equals(tokenizer) && !Gpt2BpeTokenizer.TYPE.equals(tokenizer))
            p.add(prefix + "tokenizer: expected \"byte\" or \"gpt2-bpe\", got \"" + tokenizer + "\"");
        else if (model.vocabSize() < newTokenizer().vocabSize())
            p.add(prefix + "model.vocab_size: expected >= " + newTokenizer().vocabSize() + " for the " + tokenizer + " tokenizer, got " + model.vocabSize());
        return p;
    }

    public Tokenizer newTokenizer() {
        return Tokenizer.fromSpec(new TokenizerSpec(tokenizer, 0, 0, 0, 0));
    }

    /** A new policy with GPT-2-style random weights. */
    public Policy initialise() {
        return new Policy(model, newTokenizer(), GptWeights.init(model, seed, DataType.FLOAT));
    }
}
