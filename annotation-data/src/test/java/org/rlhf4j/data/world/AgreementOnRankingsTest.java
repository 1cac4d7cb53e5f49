package org.rlhf4j.data.world;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.data.format.Ranking;

class AgreementOnRankingsTest {
    static Ranking ranking(int i, List<String> responses) {
        ObjectMapper om = new ObjectMapper();
        int a = 2 + i % 5, b = 1 + i % 3;
        return new Ranking("r" + i, "Tom has " + a + " apples and gets " + b + " more. How many apples?", responses, List.of(0, 1, 2), "test",
                "arithmetic", null, om.createObjectNode().put("answer", a + b), null, null, List.of(true, true, true));
    }

    @Test
    void clearQualityDifferencesGiveHighAgreementAndNearTiesNearHalf() {
        List<Ranking> clear = new ArrayList<>(), close = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int sum = 2 + i % 5 + 1 + i % 3;
            clear.add(ranking(i, List.of("Tom has " + sum + " apples.", "Tom has " + (sum + 1) + " apples.", "apples apples apples apples apples")));
            close.add(ranking(i, List.of("It is " + (sum + 1) + ".", "It is " + (sum + 2) + ".", "It is " + (sum + 3) + ".")));
        }
        AnnotatorPool pool = AnnotatorPool.defaultPool();
        double high = AnnotatorAgreement.onRankings(pool, clear, 1), low = AnnotatorAgreement.onRankings(pool, close, 1);
        assertTrue(high > 0.8, "clear differences: " + high);
        assertTrue(low > 0.3 && low < 0.7, "indistinguishable responses: " + low);
        assertEquals(high, AnnotatorAgreement.onRankings(pool, clear, 1), 0.0, "seeded");
    }
}
