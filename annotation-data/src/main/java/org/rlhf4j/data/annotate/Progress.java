package org.rlhf4j.data.annotate;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A labelling pool's progress, for the page and {@code GET /api/status}.
 *
 * @param items          candidates records in the file
 * @param overlapped     items that want more than one ranking
 * @param rankingsWanted rankings the plan asks for in all (items + (R - 1) × overlapped)
 * @param rankingsDone   of those, the ones saved (an item's rankings beyond what it wants are not counted)
 * @param itemsComplete  items with all the rankings they want
 * @param leases         items reserved for someone right now
 * @param people         per name, in name order: what they ranked and skipped, and the item they hold
 */
public record Progress(int items, int overlapped, int rankingsWanted, int rankingsDone, int itemsComplete, int leases,
                       Map<String, Person> people) {
    public Progress {
        people = Collections.unmodifiableSortedMap(new TreeMap<>(people));
    }

    /**
     * One annotator's share.
     *
     * @param ranked  rankings of this file's items saved under the name (earlier runs included)
     * @param skipped items they skipped since the server started
     * @param holding the item reserved for them now; null when none
     */
    public record Person(int ranked, int skipped, String holding) {}

    /** Rankings still to make before every item has what it wants. */
    public int remaining() {
        return rankingsWanted - rankingsDone;
    }

    /** Every item has all the rankings it wants. */
    public boolean complete() {
        return itemsComplete == items;
    }
}
