package org.rlhf4j.policy.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * GPT-2's byte-level BPE (jtokkit's bundled {@code r50k_base}, 50,257 ids). {@code <|endoftext|>} (50256) is both BOS
 * and EOS, as in GPT-2. PAD is 50257, one past the GPT-2 vocabulary: it never reaches the model, because batches
 * replace padding by a valid id and mask it.
 */
public final class Gpt2BpeTokenizer implements Tokenizer {
    public static final String TYPE = "gpt2-bpe";
    public static final int END_OF_TEXT = 50256, PAD = 50257, GPT2_VOCAB = 50257;
    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @Override
    public int[] encode(String text) {
        IntArrayList ids = ENCODING.encodeOrdinary(text);
        return ids.toArray();
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) if (id >= 0 && id < END_OF_TEXT) list.add(id);
        return ENCODING.decode(list);
    }

    /** The ids the model must be able to embed: GPT-2's 50,257 (PAD is never embedded). */
    @Override
    public int vocabSize() {
        return GPT2_VOCAB;
    }

    @Override
    public int bos() {
        return END_OF_TEXT;
    }

    @Override
    public int eos() {
        return END_OF_TEXT;
    }

    @Override
    public int pad() {
        return PAD;
    }

    @Override
    public TokenizerSpec spec() {
        return new TokenizerSpec(TYPE, END_OF_TEXT, END_OF_TEXT, PAD, GPT2_VOCAB);
    }
}
