package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rlhf4j.data.annotate.LabelSessionTest.body;
import static org.rlhf4j.data.annotate.LabelSessionTest.offered;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;

/** Many people on one session: leases (on a clock the test moves), overlap, skips, the shown order, and a restart. */
class TeamLabellingTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T09:00:00Z"));

    static List<Candidates> items(int n) {
        return IntStream.range(0, n).mapToObj(i -> new Candidates(String.format("q%03d", i), "Prompt " + i + ".", null, null, null,
                List.of("one " + i, "two " + i, "three " + i, "four " + i), null, null)).toList();
    }

    private LabelSession open(int items, int overlap, Duration lease) throws Exception {
        return LabelSession.open(items(items), dir.resolve("r.jsonl"), new LabelPlan(overlap, 1.0, 7, lease, null), clock);
    }

    private static LabelSession.Outcome rank(LabelSession s, String who, String id) throws Exception {
        return s.submit(body("{\"annotator\": \"" + who + "\", \"id\": \"" + id + "\", \"ranking\": [3, 2, 1, 0]}"));
    }

    @Test
    void aLeaseHoldsItsItemUntilItRunsOutThenTheItemGoesBackToThePool() throws Exception {
        try (LabelSession s = open(2, 1, Duration.ofMinutes(10))) {
            LabelSession.Offer ann = assertInstanceOf(LabelSession.Offer.class, s.next("ann"));
            assertEquals("q000", ann.item().id());
            assertEquals(Instant.parse("2024-05-01T09:10:00Z"), ann.leaseExpires());
            assertEquals("q001", offered(s, "ben"), "q000 is leased to ann");
            assertInstanceOf(LabelSession.Wait.class, s.next("cy"), "both items are leased");

            clock.advance(Duration.ofMinutes(9).plusSeconds(59));
            assertInstanceOf(LabelSession.Wait.class, s.next("cy"), "the leases still hold at 9:59");
            assertEquals(2, s.progress().leases());

            clock.advance(Duration.ofSeconds(1));
            assertEquals(0, s.progress().leases(), "at 10:00 both have run out");
            assertEquals("q000", offered(s, "cy"), "the first item back in the pool");
            assertEquals(new LabelSession.Refused(409, List.of("your lease on \"q000\" ran out and the item was given to someone else")),
                    rank(s, "ann", "q000"));
            assertInstanceOf(LabelSession.Saved.class, rank(s, "ben", "q001"), "ben's lease ran out but nobody took q001");
            assertInstanceOf(LabelSession.Saved.class, rank(s, "cy", "q000"));
            assertInstanceOf(LabelSession.Done.class, s.next("ann"));
            assertTrue(s.progress().complete());
        }
        List<Ranking> saved = DataFiles.loadRankings(dir.resolve("r.jsonl").toString());
        assertEquals(List.of("q001 ben", "q000 cy"), saved.stream().map(r -> r.id() + " " + r.annotator()).toList());
    }

    @Test
    void askingAgainRenewsTheLeaseOfTheSameItem() throws Exception {
        try (LabelSession s = open(2, 1, Duration.ofMinutes(10))) {
            assertEquals("q000", offered(s, "ann"));
            clock.advance(Duration.ofMinutes(8));
            LabelSession.Offer again = assertInstanceOf(LabelSession.Offer.class, s.next("ann"));
            assertEquals("q000", again.item().id(), "a reload shows the same item");
            assertEquals(Instant.parse("2024-05-01T09:18:00Z"), again.leaseExpires());
            clock.advance(Duration.ofMinutes(8));
            assertEquals("q001", offered(s, "ben"), "at 9:16 ann's renewed lease still holds q000");
        }
    }

    @Test
    void withOverlapTwoEachItemGoesToTwoDifferentPeopleAndNobodyRanksItTwice() throws Exception {
        try (LabelSession s = open(3, 2, Duration.ofMinutes(10))) {
            assertEquals(6, s.progress().rankingsWanted());
            assertEquals(3, s.progress().overlapped());
            assertEquals("q000", offered(s, "ann"));
            assertEquals("q000", offered(s, "ben"), "q000 has a second slot");
            assertEquals("q001", offered(s, "cy"), "q000's two slots are leased");
            assertInstanceOf(LabelSession.Saved.class, rank(s, "ann", "q000"));
            assertEquals(new LabelSession.Refused(409, List.of("\"q000\" is already ranked by ann")), rank(s, "ann", "q000"));
            assertEquals("q001", offered(s, "ann"), "not q000 again; q001 has a free slot");
            assertInstanceOf(LabelSession.Saved.class, rank(s, "ben", "q000"));
            assertEquals(new LabelSession.Refused(409, List.of("\"q000\" already has the 2 rankings it needs")), rank(s, "dee", "q000"));
            assertEquals(2, s.progress().rankingsDone());
            assertEquals(1, s.progress().itemsComplete());
            assertEquals(4, s.progress().remaining());
            assertEquals(2, s.progress().leases(), "ann and cy hold q001");
        }
    }

    @Test
    void aSkippedItemGoesToSomeoneElseAndNeverBackToTheSkipper() throws Exception {
        try (LabelSession s = open(2, 1, Duration.ofMinutes(10))) {
            assertEquals("q000", offered(s, "ann"));
            assertEquals(new LabelSession.Skipped("q000", "ann"), s.skip(body("{\"annotator\": \"ann\", \"id\": \"q000\"}")));
            assertEquals("q001", offered(s, "ann"));
            assertEquals("q000", offered(s, "ben"), "the skipped item is free again");
            assertInstanceOf(LabelSession.Saved.class, rank(s, "ann", "q001"));
            assertInstanceOf(LabelSession.Wait.class, s.next("cy"));
            assertInstanceOf(LabelSession.Done.class, s.next("ann"), "ann may rank neither: one ranked, one skipped");
            Progress.Person ann = s.progress().people().get("ann");
            assertEquals(new Progress.Person(1, 1, null), ann);
            assertEquals(new LabelSession.Refused(400, List.of("unknown field \"ranking\" (allowed: annotator, id)")),
                    s.skip(body("{\"annotator\": \"ann\", \"id\": \"q000\", \"ranking\": [0, 1, 2, 3]}")));
        }
    }

    @Test
    void aFractionOfTheItemsIsOverlappedChosenBySeed() {
        LabelPlan plan = new LabelPlan(3, 0.25, 11, LabelPlan.DEFAULT_LEASE, null);
        int[] targets = plan.targets(20);
        assertEquals(5, IntStream.of(targets).filter(t -> t == 3).count());
        assertEquals(15, IntStream.of(targets).filter(t -> t == 1).count());
        assertEquals(20 + 2 * 5, IntStream.of(targets).sum());
        assertEquals(List.of(IntStream.of(targets).boxed().toArray()), List.of(IntStream.of(plan.targets(20)).boxed().toArray()),
                "the same seed chooses the same items");
        int[] other = new LabelPlan(3, 0.25, 12, LabelPlan.DEFAULT_LEASE, null).targets(20);
        assertNotEquals(List.of(IntStream.of(targets).boxed().toArray()), List.of(IntStream.of(other).boxed().toArray()));
        assertEquals(0, new LabelPlan(1, 0.25, 11, LabelPlan.DEFAULT_LEASE, null).overlappedCount(20));
        assertEquals(20, new LabelPlan(2, 1.0, 11, LabelPlan.DEFAULT_LEASE, null).overlappedCount(20));
        assertEquals(0, new LabelPlan(2, 0.0, 11, LabelPlan.DEFAULT_LEASE, null).overlappedCount(20));
    }

    @Test
    void theShownOrderIsAFixedShufflePerPersonAndItemWithNoFavouredPlace() {
        LabelPlan plan = new LabelPlan(1, 1.0, 5, LabelPlan.DEFAULT_LEASE, null);
        assertEquals(plan.shownOrder("ann", "q1", 4), plan.shownOrder("ann", "q1", 4), "the same every time it is shown");
        int[] firstShown = new int[4];
        int differ = 0, n = 4000;
        for (int i = 0; i < n; i++) {
            List<Integer> ann = plan.shownOrder("ann", "q" + i, 4), ben = plan.shownOrder("ben", "q" + i, 4);
            assertEquals(Set.of(0, 1, 2, 3), new HashSet<>(ann), "a permutation");
            firstShown[ann.get(0)]++;
            if (!ann.equals(ben)) differ++;
        }
        // each response is on top a quarter of the time: 1000 ± 4.3 standard deviations (27.4 each)
        for (int count : firstShown) assertTrue(Math.abs(count - n / 4) < 120, "top-place counts " + java.util.Arrays.toString(firstShown));
        // two people see the same order of 4 with probability 1/24
        assertTrue(Math.abs(differ - n * 23 / 24.0) < 60, differ + " of " + n + " orders differ between ann and ben");
    }

    @Test
    void aRestartedSessionRebuildsEveryCountFromTheFile() throws Exception {
        try (LabelSession s = open(3, 2, Duration.ofMinutes(10))) {
            offered(s, "ann");
            offered(s, "ben");
            rank(s, "ann", "q000");
            rank(s, "ben", "q000");
            assertEquals("q001", offered(s, "ann"));
            rank(s, "ann", "q001");
            assertEquals("q002", offered(s, "ann"), "a lease that the restart drops");
        }
        try (LabelSession s = open(3, 2, Duration.ofMinutes(10))) {
            Progress p = s.progress();
            assertEquals(3, p.rankingsDone());
            assertEquals(1, p.itemsComplete());
            assertEquals(0, p.leases());
            assertEquals(new Progress.Person(2, 0, null), p.people().get("ann"));
            assertEquals("q001", offered(s, "ben"), "q000 is complete; ben has not ranked q001");
            assertEquals("q002", offered(s, "ann"), "ann has ranked q000 and q001");
            assertEquals("q002", offered(s, "cy"));
            assertInstanceOf(LabelSession.Wait.class, s.next("dee"), "q001: ranked by ann, leased to ben; q002: leased to ann and cy");
        }
    }

    @Test
    void namesArePlainText() {
        for (String ok : List.of("ann", "Ann Lee", "José Ñúñez", "o'brien", "ann.lee@lab", "李雷", "x", "a".repeat(64), "ann-2"))
            assertTrue(AnnotatorNames.problem(ok).isEmpty(), ok);
        List<String> refused = new ArrayList<>();
        for (String bad : List.of("", " ann", "ann ", "<b>ann</b>", "ann\tlee", "ann\nlee", "ann\u0000", "\u202Eevil", "ann\u200B",
                "a".repeat(65), "-ann", "ann;drop", "\"ann\"", "ann/lee"))
            AnnotatorNames.problem(bad).ifPresent(p -> refused.add(bad));
        assertEquals(14, refused.size(), "refused: " + refused);
        assertEquals("the annotator name is longer than 64 characters", AnnotatorNames.problem("a".repeat(65)).orElseThrow());
    }
}
