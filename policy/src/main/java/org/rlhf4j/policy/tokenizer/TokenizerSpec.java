package org.rlhf4j.policy.tokenizer;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The tokenizer as stored in a checkpoint's {@code tokenizer.json}.
 *
 * @param type "byte" (256 byte values + BOS, EOS, PAD) or "gpt2-bpe" (jtokkit r50k_base, GPT-2's own BPE)
 */
public record TokenizerSpec(@JsonProperty("type") String type, @JsonProperty("bos") int bos, @JsonProperty("eos") int eos,
                            @JsonProperty("pad") int pad, @JsonProperty("vocab_size") int vocabSize) {}
