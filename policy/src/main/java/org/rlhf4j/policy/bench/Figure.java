package org.rlhf4j.policy.bench;

/**
 * One timed figure, ours or the peer's. JSON keys (see {@link Bench#json}) match the peer's: shape, what, ms,
 * tokens_per_s; ours add gflops, peak_fraction, threads and, when the peer ran, peer_tokens_per_s and ratio.
 *
 * @param shape          shape name
 * @param what           "train", "score" or "generate"
 * @param ms             mean wall time of one call, milliseconds
 * @param tokensPerS     tokens per second (see {@link Shape#sequenceTokens()} / {@link Shape#generatedTokens()})
 * @param gflops         achieved GFLOP/s by {@link org.rlhf4j.policy.model.GptConfig#forwardFlopsPerToken} (train = 3×)
 * @param peakFraction   gflops / the measured matmul peak at the same thread count
 * @param threads        native threads used
 * @param peerTokensPerS the peer's tokens/s for the same figure, or NaN when the peer did not run
 */
public record Figure(String shape, String what, double ms, double tokensPerS, double gflops, double peakFraction, int threads,
                     double peerTokensPerS) {
    /** Ours / peer's tokens per second (NaN without a peer): above 1 we are faster. */
    public double ratio() {
        return tokensPerS / peerTokensPerS;
    }

    public Figure withPeer(double peerTokensPerS) {
        return new Figure(shape, what, ms, tokensPerS, gflops, peakFraction, threads, peerTokensPerS);
    }
}
