package org.rlhf4j.policy.tokenizer;

import java.util.StringJoiner;

/**
 * The tokenizer of a model that came without one we can run: for example a Hugging Face checkpoint whose vocabulary
 * is neither GPT-2's BPE nor ours. Such a policy still scores and generates token ids, but cannot turn text into ids:
 * {@link #encode} fails with a message saying so, and {@link #decode} writes the ids as decimal numbers. BOS and EOS
 * are the model's own ids; PAD is {@code vocab_size}, one past the embedding, as for {@link Gpt2BpeTokenizer}.
 */
public final class IdsTokenizer implements Tokenizer {
    public static final String TYPE = "ids";
    private final int vocab, bos, eos;

    public IdsTokenizer(int vocab, int bos, int eos) {
        if (vocab < 2) throw new IllegalArgumentException("tokenizer \"ids\": vocab_size must be >= 2, got " + vocab);
        if (bos < 0 || bos >= vocab) throw new IllegalArgumentException("tokenizer \"ids\": bos " + bos + " is outside 0.." + (vocab - 1));
        if (eos < 0 || eos >= vocab) throw new IllegalArgumentException("tokenizer \"ids\": eos " + eos + " is outside 0.." + (vocab - 1));
        this.vocab = vocab;
        this.bos = bos;
        this.eos = eos;
    }

    /** Rebuilds the tokenizer a checkpoint recorded; PAD must be {@code vocab_size}. */
    static IdsTokenizer fromSpec(TokenizerSpec spec) {
        if (spec.pad() != spec.vocabSize())
            throw new IllegalArgumentException("tokenizer \"ids\": pad must equal vocab_size " + spec.vocabSize() + ", got " + spec.pad());
        return new IdsTokenizer(spec.vocabSize(), spec.bos(), spec.eos());
    }

    @Override
    public int[] encode(String text) {
        throw new UnsupportedOperationException("tokenizer \"ids\": this model has no text tokenizer (only its " + vocab
                + " token ids are known), so text cannot be encoded; give it token ids instead");
    }

    /** The ids as decimal numbers separated by single spaces, BOS, EOS and PAD left out: {@code [5, 999, 7]} → "5 7". */
    @Override
    public String decode(int[] ids) {
        StringJoiner out = new StringJoiner(" ");
        for (int id : ids) if (id != bos && id != eos && id != vocab) out.add(Integer.toString(id));
        return out.toString();
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public int pad() {
        return vocab;
    }

    @Override
    public TokenizerSpec spec() {
        return new TokenizerSpec(TYPE, bos, eos, vocab, vocab);
    }
}
