package org.rlhf4j.data.world;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RealWordsTest {
    @Test
    void rateCountsWordsPooledOverTextsByHand() {
        RealWords w = new RealWords(Set.of("the", "cat", "sat", "don't"));
        // words: the cat sat on virdicatial mat | don't chomel  -> 8 words, 4 known (The, cat, sat, Don't); "42" and "!" are not words
        assertArrayEquals(new long[] {8, 4}, w.count(List.of("The cat sat on virdicatial mat 42!", "Don't chomel.")));
        assertEquals(0.5, w.rate(List.of("The cat sat on virdicatial mat 42!", "Don't chomel.")), 0);
        assertTrue(Double.isNaN(w.rate(List.of("42 + 7 = 49", ""))));
    }

    @Test
    void theEmbeddedLexiconKnowsEnglishAndNotInventedWords() {
        RealWords w = RealWords.embedded();
        assertTrue(w.size() > 5_000, "lexicon of " + w.size() + " words");
        for (String s : List.of("the", "love", "because", "Happy")) assertTrue(w.isKnown(s), s);
        for (String s : List.of("virdicatial", "sprectuic", "instationg")) assertFalse(w.isKnown(s), s);
    }
}
