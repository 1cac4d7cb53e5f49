package org.rlhf4j.policy.tokenizer;

/**
 * Text ↔ token ids. Every tokenizer has three special tokens: BOS, EOS and PAD, with PAD distinct from EOS so that a
 * padded batch never looks like a finished response.
 */
public interface Tokenizer {
    int[] encode(String text);

    /** Decodes ids; special tokens are dropped and invalid byte sequences become U+FFFD. */
    String decode(int[] ids);

    /**
     * The number of text bytes these ids stand for (specials count zero): the denominator of nats per byte, which
     * compares models with different tokenizers. The default re-encodes the decoded text.
     */
    default long byteCount(int[] ids) {
        return decode(ids).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** Number of ids the tokenizer can emit, specials included; the model's vocabulary must be at least this. */
    int vocabSize();

    int bos();

    int eos();

    int pad();

    /** What a checkpoint stores to rebuild this tokenizer. */
    TokenizerSpec spec();

    static Tokenizer fromSpec(TokenizerSpec spec) {
        return switch (spec.type()) {
            case ByteTokenizer.TYPE -> new ByteTokenizer();
            case Gpt2BpeTokenizer.TYPE -> new Gpt2BpeTokenizer();
            case BpeTokenizer.TYPE -> BpeTokenizer.fromSpec(spec);
            case IdsTokenizer.TYPE -> IdsTokenizer.fromSpec(spec);
            default -> throw new IllegalArgumentException("tokenizer.type: expected \"" + ByteTokenizer.TYPE + "\", \"" + Gpt2BpeTokenizer.TYPE
                    + "\", \"" + BpeTokenizer.TYPE + "\" or \"" + IdsTokenizer.TYPE + "\", got \"" + spec.type() + "\"");
        };
    }
}
