package org.rlhf4j.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;

class NormalizationTest {
    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    static List<Dialogue> demos() {
        List<Dialogue> d = new ArrayList<>();
        String[] replies = {"yes", "no", "mby", "abc", "zz", "ok!", "4", "end"};
        for (int i = 0; i < replies.length; i++) d.add(new Dialogue(List.of(Message.user("q" + i), Message.assistant(replies[i]))));
        // not single-turn: skipped and counted
        d.add(new Dialogue(List.of(Message.user("a"), Message.assistant("b"), Message.user("c"), Message.assistant("d"))));
        return d;
    }

    static double[] stats(double[] r) {
        double m = 0, v = 0;
        for (double x : r) m += x / r.length;
        for (double x : r) v += (x - m) * (x - m) / r.length;
        return new double[] {m, Math.sqrt(v)};
    }

    @Test
    void afterNormalisingTheDemonstrationsScoreMeanZeroAndUnitStdWhenAsked() {
        for (boolean unitStd : new boolean[] {false, true}) {
            Policy p = Tiny.policy(48, 3, DataType.FLOAT, true);
            Normalization.Demonstrations d = Normalization.demonstrations(demos(), p, 48);
            assertEquals(8, d.rows().size());
            assertEquals(1, d.notSingleTurn());
            double[] before = stats(RewardScorer.scores(p, d.rows()));
            Normalization n = Normalization.fit(p, d, "demos", unitStd);
            assertEquals(-before[0], n.bias(), 1e-9);
            n.foldInto(p);
            double[] after = stats(RewardScorer.scores(p, d.rows()));
            assertEquals(0, after[0], 1e-4, "mean after");
            assertEquals(unitStd ? 1 : before[1], after[1], 1e-4, "std after");
            // folded into the head: Policy.score reads the normalised reward directly
            float[] viaPolicy = p.score(d.rows(), 1.0, false, true).lastReward();
            double m = 0;
            for (float v : viaPolicy) m += v / viaPolicy.length;
            assertEquals(0, m, 1e-4);
            // fitting again on the normalised head changes nothing, and the composition is the first normalisation
            Normalization again = Normalization.fit(p, d, "demos", unitStd);
            assertEquals(0, again.bias(), 1e-4);
            assertEquals(1, again.scale(), 1e-3);
            Normalization total = n.then(again);
            assertEquals(n.bias(), total.bias(), 1e-4 * Math.max(1, Math.abs(n.bias())));
            assertEquals(n.scale(), total.scale(), 1e-3 * n.scale());
            assertEquals(n, Normalization.fromMetadata(n.toJson()));
        }
    }
}
