package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Word-level reading of English text shared by the gold judges: tokens, a light suffix-stripping stemmer,
 * content words (tokens that are not function words), and the first number a response states.
 */
final class Words {

    private static final Pattern TOKEN = Pattern.compile("[a-z]+(?:'[a-z]+)?|\\d+");
    private static final Pattern NUMBER = Pattern.compile("\\b(\\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven"
            + "|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\\b");
    private static final Map<String, Integer> NUMBER_WORDS = Map.ofEntries(
            Map.entry("zero", 0), Map.entry("one", 1), Map.entry("two", 2), Map.entry("three", 3), Map.entry("four", 4),
            Map.entry("five", 5), Map.entry("six", 6), Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9),
            Map.entry("ten", 10), Map.entry("eleven", 11), Map.entry("twelve", 12), Map.entry("thirteen", 13),
            Map.entry("fourteen", 14), Map.entry("fifteen", 15), Map.entry("sixteen", 16), Map.entry("seventeen", 17),
            Map.entry("eighteen", 18), Map.entry("nineteen", 19), Map.entry("twenty", 20));

    /** Function words, plus the words a definition is framed with ("X means ..."), which carry no content. */
    static final Set<String> STOPWORDS = Set.of(
            "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "if", "then", "than", "as", "of", "in", "on", "at",
            "to", "for", "from", "by", "with", "without", "into", "onto", "upon", "about", "over", "under", "up", "down",
            "out", "off", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "have",
            "has", "had", "having", "it", "its", "it's", "this", "that", "these", "those", "there", "here", "which", "who",
            "whom", "whose", "what", "when", "where", "why", "how", "i", "me", "my", "we", "our", "you", "your", "he",
            "him", "his", "she", "her", "they", "them", "their", "one", "ones", "someone", "something", "anything",
            "not", "no", "can", "could", "will", "would", "shall", "should", "may", "might", "must", "very", "too",
            "also", "just", "all", "any", "some", "such", "each", "other", "own", "same", "more", "most", "usually",
            "especially", "e", "g", "etc", "means", "mean", "meaning", "word", "define", "definition", "refers", "refer",
            "describes", "describe", "used", "term", "called", "sense");

    private Words() {
    }

    /** Lower-cased word and number tokens, in order. */
    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            tokens.add(m.group());
        }
        return tokens;
    }

    /**
     * A light stemmer: strips possessive 's, plural -s/-es/-ies, -ing, -ed, -ly and a final -e, and undoubles a
     * final consonant, so that "moves", "moving" and "moved" all become "mov". Both sides of a comparison use it.
     */
    static String stem(String token) {
        String w = token.toLowerCase(Locale.ROOT);
        if (w.endsWith("'s")) {
            w = w.substring(0, w.length() - 2);
        }
        if (w.endsWith("ies") && w.length() > 4) {
            w = w.substring(0, w.length() - 3) + "y";
        } else if (w.endsWith("sses")) {
            w = w.substring(0, w.length() - 2);
        } else if (w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us") && w.length() > 3) {
            w = w.substring(0, w.length() - 1);
        }
        boolean verbal = false;
        if (w.endsWith("ing") && w.length() > 5) {
            w = w.substring(0, w.length() - 3);
            verbal = true;
        } else if (w.endsWith("ed") && w.length() > 4) {
            w = w.substring(0, w.length() - 2);
            verbal = true;
        } else if (w.endsWith("ly") && w.length() > 4) {
            w = w.substring(0, w.length() - 2);
        }
        if (verbal && w.length() > 2 && w.charAt(w.length() - 1) == w.charAt(w.length() - 2)
                && "aeiouls".indexOf(w.charAt(w.length() - 1)) < 0) {
            w = w.substring(0, w.length() - 1);
        }
        if (w.endsWith("e") && w.length() > 3) {
            w = w.substring(0, w.length() - 1);
        }
        return w;
    }

    /** Stems of the alphabetic tokens that are not stopwords, in first-seen order, without the excluded stems. */
    static Set<String> contentStems(String text, Set<String> excludedStems) {
        Set<String> stems = new LinkedHashSet<>();
        for (String token : tokens(text)) {
            if (Character.isLetter(token.charAt(0)) && !STOPWORDS.contains(token) && token.length() > 1) {
                String stem = stem(token);
                if (!excludedStems.contains(stem)) {
                    stems.add(stem);
                }
            }
        }
        return stems;
    }

    /** The first number the text states, in digits or as a word from zero to twenty. */
    static OptionalInt firstNumber(String text) {
        Matcher m = NUMBER.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            String token = m.group(1);
            if (Character.isDigit(token.charAt(0))) {
                if (token.length() <= 9) {
                    return OptionalInt.of(Integer.parseInt(token));
                }
            } else {
                return OptionalInt.of(NUMBER_WORDS.get(token));
            }
        }
        return OptionalInt.empty();
    }
}
