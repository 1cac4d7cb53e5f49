package org.rlhf4j.policy.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BpeTokenizerTest {
    static final List<String> CORPUS = List.of(
            "The cat sat on the mat. The cat is happy.",
            "A dog and a cat met on the road; the dog barked at the cat.",
            "Define 'love': a strong feeling of affection. Grüße, 世界! café 😀");

    @Test
    void mergesFollowPairCountsComputedByHand() {
        // chunks: "ab" x1, " ab" x2, "abc" x1. Pairs: (a,b) 4, (' ',a) 2, (b,c) 1 -> merge "ab" = 256.
        // Then (' ',256) 2, (256,c) 1 -> merge " ab" = 257. Then no pair occurs twice: stop short of the asked size.
        BpeTokenizer t = BpeTrainer.train(List.of("ab ab ab", "abc"), 300);
        assertArrayEquals("ab".getBytes(StandardCharsets.UTF_8), t.bytes(256));
        assertArrayEquals(" ab".getBytes(StandardCharsets.UTF_8), t.bytes(257));
        assertEquals(256 + 2 + 3, t.vocabSize());
        assertEquals(258, t.bos());
        assertEquals(259, t.eos());
        assertEquals(260, t.pad());
        assertArrayEquals(new int[] {256, 257, 256, 'c'}, t.encode("ab abab c".replace(" c", "c")));
    }

    @Test
    void roundTripsAnyTextAndCountsBytes() {
        BpeTokenizer t = BpeTrainer.train(CORPUS, 270);
        assertEquals(270, t.vocabSize());
        Random r = new Random(1);
        List<String> texts = new ArrayList<>(CORPUS);
        texts.add(TokenizerTest.NON_ASCII);
        StringBuilder noise = new StringBuilder();
        for (int i = 0; i < 500; i++) noise.appendCodePoint(r.nextInt(3) == 0 ? 0x20 : 0x21 + r.nextInt(0x2000));
        texts.add(noise.toString());
        for (String s : texts) {
            int[] ids = t.encode(s);
            assertEquals(s, t.decode(ids));
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length, t.byteCount(ids));
            for (int id : ids) assertTrue(id >= 0 && id < t.bos());
        }
        // trained text takes fewer tokens than bytes
        assertTrue(t.encode(CORPUS.get(0)).length < CORPUS.get(0).length() * 3 / 4);
        assertEquals("ab", t.decode(new int[] {t.bos(), 'a', t.pad(), 'b', t.eos()}));
    }

    @Test
    void trainingIsDeterministicAndTheSpecRebuildsTheSameTokenizer() throws Exception {
        BpeTokenizer a = BpeTrainer.train(CORPUS, 300), b = BpeTrainer.train(CORPUS, 300);
        assertEquals(a.spec(), b.spec());
        ObjectMapper json = new ObjectMapper();
        TokenizerSpec back = json.readValue(json.writeValueAsString(a.spec()), TokenizerSpec.class);
        Tokenizer c = Tokenizer.fromSpec(back);
        for (String s : CORPUS) assertArrayEquals(a.encode(s), c.encode(s));
        assertEquals(a.vocabSize(), c.vocabSize());
        // the byte tokenizer's spec stays as it was on disk: no "tokens" key
        assertFalse(json.writeValueAsString(new ByteTokenizer().spec()).contains("tokens"));
    }

    @Test
    void aSpecWithTheWrongSizeOrBadTokensIsRefused() {
        TokenizerSpec good = BpeTrainer.train(CORPUS, 300).spec();
        var e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromSpec(
                new TokenizerSpec("bpe", good.bos(), good.eos(), good.pad(), good.vocabSize() + 1, good.tokens())));
        assertTrue(e.getMessage().contains("tokenizer.vocab_size"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromSpec(
                new TokenizerSpec("bpe", 0, 0, 0, 0, List.of("@@not base64@@"))));
        assertTrue(e2.getMessage().contains("tokenizer.tokens[0]"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train(CORPUS, 100));
    }
}
