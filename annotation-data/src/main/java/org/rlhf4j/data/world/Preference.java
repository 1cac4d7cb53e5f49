package org.rlhf4j.data.world;

/** One simulated annotator's choice between two responses: {@code firstWins} is true when it preferred the first. */
public record Preference(boolean firstWins, String annotator) {
}
