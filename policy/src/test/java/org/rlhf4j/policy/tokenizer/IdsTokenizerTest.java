package org.rlhf4j.policy.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class IdsTokenizerTest {
    final IdsTokenizer tok = new IdsTokenizer(1000, 998, 999);

    @Test
    void encodingTextFailsSayingWhy() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> tok.encode("hello"));
        assertTrue(e.getMessage().contains("no text tokenizer"), e.getMessage());
    }

    @Test
    void decodeWritesIdsAndDropsSpecials() {
        assertEquals("5 0 7", tok.decode(new int[] {998, 5, 0, 999, 7, 1000}));
        assertEquals("", tok.decode(new int[] {}));
    }

    @Test
    void padIsOnePastTheVocabularyAndTheSpecRoundTrips() {
        assertEquals(1000, tok.pad());
        assertEquals(1000, tok.vocabSize());
        TokenizerSpec spec = tok.spec();
        assertEquals(new TokenizerSpec("ids", 998, 999, 1000, 1000), spec);
        Tokenizer back = Tokenizer.fromSpec(spec);
        assertInstanceOf(IdsTokenizer.class, back);
        assertEquals(spec, back.spec());
    }

    @Test
    void invalidSpecsAreRejected() {
        IllegalArgumentException pad = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromSpec(new TokenizerSpec("ids", 1, 2, 5, 1000)));
        assertTrue(pad.getMessage().contains("pad must equal vocab_size 1000, got 5"), pad.getMessage());
        IllegalArgumentException eos = assertThrows(IllegalArgumentException.class, () -> new IdsTokenizer(10, 0, 10));
        assertTrue(eos.getMessage().contains("eos 10 is outside 0..9"), eos.getMessage());
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> Tokenizer.fromSpec(new TokenizerSpec("wordpiece", 0, 0, 0, 0)));
        assertTrue(type.getMessage().contains("\"ids\""), type.getMessage());
    }
}
