package org.rlhf4j.data.world;

import java.util.List;

/** One simulated annotator's ranking of K responses: indices into the response list, best first. */
public record RankResult(List<Integer> ranking, String annotator) {

    public RankResult {
        ranking = List.copyOf(ranking);
    }
}
