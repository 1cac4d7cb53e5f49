package org.rlhf4j.data.world;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * A simulated labeller in the manner of AlpacaFarm: it judges by the gold score plus its own tastes, blurred by noise.
 * Utility of a response = gold score + lengthTaste * min(bytes, 120)/120 + exclamationTaste * [has '!']
 * + eosLeniency * 0.15 * [no EOS] (giving back some of the judge's EOS weight) + refusalTaste * [declines].
 * Rankings are Plackett–Luce draws: responses are ordered by utility plus Gumbel noise of scale {@code noise}, so
 * the chance that it prefers a over b is the logistic function of (u_a - u_b) / noise.
 */
public record Annotator(String id, double noise, double lengthTaste, double exclamationTaste, double eosLeniency,
                        double refusalTaste) {

    static final int LENGTH_SATURATION_BYTES = 120;
    static final double EOS_WEIGHT_FORGIVEN = 0.15;

    public Annotator {
        if (!(noise > 0)) {
            throw new IllegalArgumentException("annotator " + id + ": noise must be positive, not " + noise);
        }
    }

    /** This annotator's noiseless utility of a response with the given gold score. */
    public double utility(double goldScore, String response, boolean endedWithEos) {
        int bytes = response.getBytes(StandardCharsets.UTF_8).length;
        return goldScore
                + lengthTaste * Math.min(bytes, LENGTH_SATURATION_BYTES) / LENGTH_SATURATION_BYTES
                + exclamationTaste * (response.indexOf('!') >= 0 ? 1 : 0)
                + eosLeniency * EOS_WEIGHT_FORGIVEN * (endedWithEos ? 0 : 1)
                + refusalTaste * (Refusals.isRefusal(response) ? 1 : 0);
    }

    /** Utility plus a Gumbel(0, noise) draw: sorting by it gives a Plackett–Luce sample. */
    double perceived(double utility, Random rng) {
        double u = rng.nextDouble();
        while (u == 0) {
            u = rng.nextDouble();
        }
        return utility - noise * Math.log(-Math.log(u));
    }
}
