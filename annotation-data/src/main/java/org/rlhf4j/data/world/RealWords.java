package org.rlhf4j.data.world;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.validate.DataFiles;

/**
 * Does a policy write English? The real-word rate of a set of responses is the fraction of their words (runs of
 * letters, with one inner apostrophe, lower-cased) that occur anywhere in the embedded pretraining corpus or the SFT
 * demonstrations: the text the model could have learned words from. A byte-level model that invents "virdicatial"
 * scores below 1; numbers and punctuation are not words and do not count.
 */
public final class RealWords {
    private static final Pattern WORD = Pattern.compile("\\p{L}+(?:'\\p{L}+)?");
    private static final String CORPUS = "embedded:pretrain.train.jsonl.gz", DEMOS = "embedded:sft.train.jsonl.gz";

    private final Set<String> known;

    public RealWords(Set<String> known) {
        this.known = Set.copyOf(known);
    }

    /** The lexicon of the embedded corpus and demonstrations, read once. */
    public static RealWords embedded() {
        return Holder.EMBEDDED;
    }

    private static final class Holder {
        static final RealWords EMBEDDED = load();

        private static RealWords load() {
            Set<String> words = new HashSet<>();
            for (PretrainDoc d : DataFiles.loadPretrain(CORPUS)) addWords(d.text(), words);
            for (Dialogue d : DataFiles.loadDialogues(DEMOS)) for (Message m : d.messages()) addWords(m.content(), words);
            return new RealWords(words);
        }
    }

    static void addWords(String text, Set<String> into) {
        Matcher m = WORD.matcher(text);
        while (m.find()) into.add(m.group().toLowerCase(Locale.ROOT));
    }

    /** Words and known words in the texts, pooled: {words, known}. */
    public long[] count(Iterable<String> texts) {
        long words = 0, real = 0;
        for (String t : texts) {
            Matcher m = WORD.matcher(t);
            while (m.find()) {
                words++;
                if (known.contains(m.group().toLowerCase(Locale.ROOT))) real++;
            }
        }
        return new long[] {words, real};
    }

    /** Known words ÷ words over all the texts (NaN when they hold no word). */
    public double rate(Iterable<String> texts) {
        long[] c = count(texts);
        return c[0] == 0 ? Double.NaN : (double) c[1] / c[0];
    }

    public boolean isKnown(String word) {
        return known.contains(word.toLowerCase(Locale.ROOT));
    }

    public int size() {
        return known.size();
    }
}
