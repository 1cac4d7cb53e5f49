package org.rlhf4j.data.world;

/** A word with the gloss of its most frequent WordNet sense, and an example sentence using it (empty if none). */
record DefinitionEntry(String word, String pos, String gloss, String example) {
}
