package org.rlhf4j.data.format;

/**
 * One pairwise comparison implied by a K-way ranking: response {@code winner} was ranked above response
 * {@code loser}. Indices are into {@link Ranking#responses()}.
 *
 * @param winner       index of the preferred response
 * @param loser        index of the other response
 * @param rankDistance how many places apart they were ranked (1 for neighbours, up to K-1)
 */
public record RankedPair(int winner, int loser, int rankDistance) {}
