package org.rlhf4j.data.annotate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.world.AnnotatorPool;
import org.rlhf4j.data.world.RankResult;
import org.rlhf4j.policy.generate.Generator;

/**
 * Rankings from the simulated annotator pool: each candidates record is ranked by one annotator drawn from the pool,
 * with a random stream of its own (from the seed and the record's index), so a record's ranking does not depend on
 * the others. What {@code rlhf4j annotate simulate} runs.
 */
public final class SimulatedLabelling {
    private SimulatedLabelling() {}

    /**
     * Ranks every record. Responses without an "eos" list are taken to have ended with end-of-sequence.
     *
     * @throws IllegalArgumentException naming every record without a "family" (the gold judge needs one)
     */
    public static List<Ranking> rank(List<Candidates> candidates, AnnotatorPool pool, long seed) {
        List<String> noFamily = candidates.stream().filter(c -> c.family() == null).map(Candidates::id).toList();
        if (!noFamily.isEmpty())
            throw new IllegalArgumentException(noFamily.size() + " candidates records have no \"family\", which the simulated"
                    + " annotators' gold judge needs: " + String.join(", ", noFamily.subList(0, Math.min(20, noFamily.size())))
                    + (noFamily.size() > 20 ? ", ..." : ""));
        List<Ranking> out = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidates c = candidates.get(i);
            List<Boolean> eos = c.eos() != null ? c.eos() : Collections.nCopies(c.k(), true);
            RankResult r = pool.rank(Rollouts.info(c.promptRecord()), c.responses(), eos, new Random(Generator.rowSeed(seed, i)));
            out.add(c.toRanking(r.ranking(), r.annotator(), null));
        }
        return out;
    }
}
