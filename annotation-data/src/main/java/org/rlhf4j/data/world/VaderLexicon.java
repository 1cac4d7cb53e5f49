package org.rlhf4j.data.world;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The VADER sentiment lexicon (Hutto and Gilbert, 2014): 7,517 tokens, each with the mean of ten human valence
 * ratings on a -4 (most negative) to +4 (most positive) scale. Shipped as {@code embedded/vader_lexicon.txt}.
 */
final class VaderLexicon {

    static final String RESOURCE = "/org/rlhf4j/data/embedded/vader_lexicon.txt";
    /** VADER's damping of a rating that follows a negation ("not good"). */
    static final double NEGATION_SCALAR = -0.74;
    private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "none", "nobody", "nothing", "neither",
            "nor", "cannot", "without", "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "can't",
            "won't", "wouldn't", "shouldn't", "couldn't", "hardly");

    private final Map<String, Double> meanRating;

    VaderLexicon(Map<String, Double> meanRating) {
        this.meanRating = Map.copyOf(meanRating);
    }

    static VaderLexicon load() {
        try (InputStream in = VaderLexicon.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            Map<String, Double> ratings = new HashMap<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                String[] fields = line.split("\t");
                if (fields.length < 2) {
                    throw new IllegalStateException(RESOURCE + ":" + number + ": expected token<TAB>mean<TAB>...");
                }
                ratings.put(fields[0], Double.parseDouble(fields[1]));
            }
            return new VaderLexicon(ratings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mean human rating of a token, or null when the lexicon does not have it. */
    Double rating(String token) {
        return meanRating.get(token);
    }

    Map<String, Double> ratings() {
        return meanRating;
    }

    /** One rated token of a text: its rating after negation. */
    record Hit(String token, double rating) {
    }

    /** The rated tokens of a text; a rating within three tokens after a negation is multiplied by {@value #NEGATION_SCALAR}. */
    List<Hit> hits(String text) {
        List<String> tokens = Words.tokens(text);
        List<Hit> hits = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Double rating = meanRating.get(tokens.get(i));
            if (rating == null || NEGATIONS.contains(tokens.get(i))) {
                continue;
            }
            boolean negated = false;
            for (int j = Math.max(0, i - 3); j < i; j++) {
                negated |= NEGATIONS.contains(tokens.get(j)) || tokens.get(j).endsWith("n't");
            }
            hits.add(new Hit(tokens.get(i), negated ? rating * NEGATION_SCALAR : rating));
        }
        return Collections.unmodifiableList(hits);
    }
}
