package org.rlhf4j.policy.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.GptBytePairEncodingParams;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A byte-level BPE trained on a corpus ({@link BpeTrainer}): ids 0..255 are single bytes, then the merged tokens in
 * rank order, then BOS, EOS and PAD. Encoding and decoding are jtokkit's, given this vocabulary as a custom encoding;
 * text is first split into chunks by {@link #PATTERN} (GPT-2's rule: words with their leading space, numbers,
 * punctuation runs, whitespace), and no token crosses a chunk boundary.
 */
public final class BpeTokenizer implements Tokenizer {
    public static final String TYPE = "bpe";
    /** GPT-2's pre-tokenisation rule (contractions, letters, digits, other, whitespace), as in r50k_base. */
    public static final Pattern PATTERN = Pattern.compile(
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private final List<byte[]> merged;
    private final Encoding encoding;
    private final int bos, eos, pad;

    /** @param merged the tokens after the 256 bytes, in rank order (each at least two bytes, no duplicates) */
    public BpeTokenizer(List<byte[]> merged) {
        this.merged = List.copyOf(merged);
        Map<byte[], Integer> ranks = new HashMap<>();
        for (int b = 0; b < 256; b++) ranks.put(new byte[] {(byte) b}, b);
        for (int i = 0; i < merged.size(); i++) ranks.put(merged.get(i), 256 + i);
        int n = 256 + merged.size();
        bos = n;
        eos = n + 1;
        pad = n + 2;
        GptBytePairEncodingParams params = new GptBytePairEncodingParams("rlhf4j-bpe-" + n, PATTERN, ranks, Map.of());
        encoding = Encodings.newLazyEncodingRegistry().registerGptBytePairEncoding(params)
                .getEncoding("rlhf4j-bpe-" + n).orElseThrow();
    }

    static BpeTokenizer fromSpec(TokenizerSpec spec) {
        if (spec.tokens() == null) throw new IllegalArgumentException("tokenizer.tokens: expected the merged tokens of a \"bpe\" tokenizer, got none");
        List<byte[]> merged = new ArrayList<>(spec.tokens().size());
        Base64.Decoder b64 = Base64.getDecoder();
        for (int i = 0; i < spec.tokens().size(); i++) {
            try {
                merged.add(b64.decode(spec.tokens().get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tokenizer.tokens[" + i + "]: expected base64, got \"" + spec.tokens().get(i) + "\"");
            }
        }
        BpeTokenizer t = new BpeTokenizer(merged);
        if (spec.vocabSize() != 0 && spec.vocabSize() != t.vocabSize())
            throw new IllegalArgumentException("tokenizer.vocab_size: expected " + t.vocabSize() + " (256 bytes + " + merged.size() + " tokens + 3 specials), got " + spec.vocabSize());
        return t;
    }

    @Override
    public int[] encode(String text) {
        return encoding.encodeOrdinary(text).toArray();
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) if (id >= 0 && id < bos) list.add(id);
        return encoding.decode(list);
    }

    /** The bytes of one id (empty for the specials). */
    public byte[] bytes(int id) {
        if (id < 0 || id >= bos) return new byte[0];
        return id < 256 ? new byte[] {(byte) id} : merged.get(id - 256).clone();
    }

    @Override
    public long byteCount(int[] ids) {
        long n = 0;
        for (int id : ids) if (id >= 0 && id < bos) n += id < 256 ? 1 : merged.get(id - 256).length;
        return n;
    }

    @Override
    public int vocabSize() {
        return pad + 1;
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
        return pad;
    }

    @Override
    public TokenizerSpec spec() {
        Base64.Encoder b64 = Base64.getEncoder();
        List<String> tokens = new ArrayList<>(merged.size());
        for (byte[] t : merged) tokens.add(b64.encodeToString(t));
        return new TokenizerSpec(TYPE, bos, eos, pad, vocabSize(), tokens);
    }
}
