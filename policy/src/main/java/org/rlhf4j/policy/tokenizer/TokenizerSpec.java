package org.rlhf4j.policy.tokenizer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The tokenizer as stored in a checkpoint's {@code tokenizer.json}.
 *
 * @param type   "byte" (256 byte values + BOS, EOS, PAD), "gpt2-bpe" (jtokkit r50k_base, GPT-2's own BPE), "bpe" (a
 *               byte-level BPE trained on a corpus by {@link BpeTrainer}) or "ids"
 * @param tokens "bpe" only: the merged tokens after the 256 single bytes, in rank order, each as the base64 of its
 *               bytes (the tiktoken convention); null for the other types
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenizerSpec(@JsonProperty("type") String type, @JsonProperty("bos") int bos, @JsonProperty("eos") int eos,
                            @JsonProperty("pad") int pad, @JsonProperty("vocab_size") int vocabSize,
                            @JsonProperty("tokens") List<String> tokens) {

    public TokenizerSpec(String type, int bos, int eos, int pad, int vocabSize) {
        this(type, bos, eos, pad, vocabSize, null);
    }
}
