package org.rlhf4j.policy.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 bytes as tokens 0..255, then BOS = 256, EOS = 257, PAD = 258. The default for small models: a 259-row
 * vocabulary keeps the LM head cheap on a CPU, and any text round-trips exactly.
 */
public final class ByteTokenizer implements Tokenizer {
    public static final String TYPE = "byte";
    public static final int BOS = 256, EOS = 257, PAD = 258, VOCAB = 259;

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xff;
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
        for (int id : ids) if (id >= 0 && id < 256) out.write(id);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public long byteCount(int[] ids) {
        long n = 0;
        for (int id : ids) if (id >= 0 && id < 256) n++;
        return n;
    }

    @Override
    public int vocabSize() {
        return VOCAB;
    }

    @Override
    public int bos() {
        return BOS;
    }

    @Override
    public int eos() {
        return EOS;
    }

    @Override
    public int pad() {
        return PAD;
    }

    @Override
    public TokenizerSpec spec() {
        return new TokenizerSpec(TYPE, BOS, EOS, PAD, VOCAB);
    }
}
