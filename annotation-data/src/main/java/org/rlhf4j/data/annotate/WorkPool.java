package org.rlhf4j.data.annotate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Who ranks what, in memory: for each item the rankings it still needs and who ranked it, the leases (an item handed
 * to a person and reserved for them until the lease runs out), and what each person skipped. No I/O and no locking:
 * {@link LabelSession} guards it and keeps it in step with the output file. Time comes from the clock it is given, so a
 * test can run leases out at will.
 *
 * <p>The invariant that keeps anyone's work from being thrown away: for every item, rankings + live leases never exceed
 * the rankings it wants. An item with a free slot is handed out; one whose slots are all ranked or reserved is not, so
 * two people are never given the last slot of the same item and both submissions fit.
 */
final class WorkPool {
    private static final class Item {
        final String id;
        final int wanted;
        final List<String> rankedBy = new ArrayList<>();
        final Set<String> leasedTo = new HashSet<>();

        Item(String id, int wanted) {
            this.id = id;
            this.wanted = wanted;
        }

        int stillWanted() {
            return Math.max(0, wanted - rankedBy.size());
        }

        int freeSlots() {
            return stillWanted() - leasedTo.size();
        }
    }

    private record Lease(String id, Instant expires) {}

    /** What {@link #next} gives a person. */
    sealed interface Offer {}

    /** The item {@code id}, reserved for them until {@code expires}. */
    record Leased(String id, Instant expires) implements Offer {}

    /** Nothing free now, but items they may rank are reserved for others and come back if those leases run out. */
    record Wait() implements Offer {}

    /** Nothing left that they may rank: every item still wanted was ranked or skipped by them. */
    record Done() implements Offer {}

    private final Map<String, Item> items = new LinkedHashMap<>();
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<String, Set<String>> skipped = new HashMap<>();
    private final Map<String, Integer> rankedCounts = new HashMap<>();
    private final Duration leaseTime;
    private final Clock clock;

    /**
     * @param wanted for each item id, in the order items are handed out, the number of different people to rank it
     */
    WorkPool(Map<String, Integer> wanted, Duration leaseTime, Clock clock) {
        wanted.forEach((id, n) -> items.put(id, new Item(id, n)));
        this.leaseTime = leaseTime;
        this.clock = clock;
    }

    boolean contains(String id) {
        return items.containsKey(id);
    }

    /**
     * The item {@code annotator} should rank now. Someone who holds a live lease gets that item again, with the lease
     * renewed (a reload, a second tab). Otherwise the first item, in order, that still wants a ranking, has a free
     * slot, and that they have neither ranked nor skipped.
     */
    Offer next(String annotator) {
        expireLeases();
        Instant expires = clock.instant().plus(leaseTime);
        Lease held = leases.get(annotator);
        if (held != null) {
            leases.put(annotator, new Lease(held.id(), expires));
            return new Leased(held.id(), expires);
        }
        Set<String> passed = skipped.getOrDefault(annotator, Set.of());
        boolean anyLeft = false;
        for (Item item : items.values()) {
            if (item.stillWanted() == 0 || item.rankedBy.contains(annotator) || passed.contains(item.id)) continue;
            anyLeft = true;
            if (item.freeSlots() > 0) {
                item.leasedTo.add(annotator);
                leases.put(annotator, new Lease(item.id, expires));
                return new Leased(item.id, expires);
            }
        }
        return anyLeft ? new Wait() : new Done();
    }

    /**
     * Why {@code annotator} may not rank {@code id} now; empty when they may: they have not ranked it, it still wants a
     * ranking, and either they hold its lease or (their lease ran out, or the server restarted) it has a free slot.
     */
    Optional<String> whyNot(String id, String annotator) {
        expireLeases();
        Item item = items.get(id);
        if (item.rankedBy.contains(annotator)) return Optional.of("\"" + id + "\" is already ranked by " + annotator);
        if (item.stillWanted() == 0)
            return Optional.of("\"" + id + "\" already has the " + item.wanted + " ranking" + (item.wanted == 1 ? "" : "s") + " it needs");
        if (!holds(annotator, id) && item.freeSlots() <= 0)
            return Optional.of("your lease on \"" + id + "\" ran out and the item was given to someone else");
        return Optional.empty();
    }

    /** Records a ranking of {@code id} by {@code annotator} (saved, or read back from the output file); ends their lease on it. */
    void ranked(String id, String annotator) {
        Item item = items.get(id);
        item.rankedBy.add(annotator);
        rankedCounts.merge(annotator, 1, Integer::sum);
        release(id, annotator);
    }

    /** {@code annotator} passes on {@code id}: it goes back to the pool and is never offered to them again. */
    void skip(String id, String annotator) {
        release(id, annotator);
        skipped.computeIfAbsent(annotator, a -> new HashSet<>()).add(id);
    }

    private boolean holds(String annotator, String id) {
        Lease l = leases.get(annotator);
        return l != null && l.id().equals(id);
    }

    private void release(String id, String annotator) {
        if (holds(annotator, id)) {
            leases.remove(annotator);
            items.get(id).leasedTo.remove(annotator);
        }
    }

    private void expireLeases() {
        Instant now = clock.instant();
        for (Iterator<Map.Entry<String, Lease>> it = leases.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Lease> e = it.next();
            if (!e.getValue().expires().isAfter(now)) {
                items.get(e.getValue().id()).leasedTo.remove(e.getKey());
                it.remove();
            }
        }
    }

    /** The pool's progress now. */
    Progress progress() {
        expireLeases();
        int overlapped = 0, wanted = 0, done = 0, complete = 0;
        for (Item item : items.values()) {
            if (item.wanted > 1) overlapped++;
            wanted += item.wanted;
            done += Math.min(item.wanted, item.rankedBy.size());
            if (item.stillWanted() == 0) complete++;
        }
        Map<String, Progress.Person> people = new TreeMap<>();
        Set<String> names = new HashSet<>(rankedCounts.keySet());
        names.addAll(skipped.keySet());
        names.addAll(leases.keySet());
        for (String name : names)
            people.put(name, new Progress.Person(rankedCounts.getOrDefault(name, 0), skipped.getOrDefault(name, Set.of()).size(),
                    Optional.ofNullable(leases.get(name)).map(Lease::id).orElse(null)));
        return new Progress(items.size(), overlapped, wanted, done, complete, leases.size(), people);
    }
}
