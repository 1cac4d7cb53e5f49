package org.rlhf4j.dpo;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The per-pair loss of offline preference optimisation, as a closed-form function of the pair's log-ratio margin
 * m = [log π(y_w) − log π_ref(y_w)] − [log π(y_l) − log π_ref(y_l)] (sequence log-probabilities of the responses,
 * summed over their tokens), with its derivative dℓ/dm.
 */
public enum PreferenceLoss {
    /** DPO (Rafailov et al. 2023): ℓ = −log σ(β·m); dℓ/dm = −β·σ(−β·m), which vanishes as m → +∞. */
    @JsonProperty("dpo") DPO {
        @Override
        public double value(double m, double beta) {
            return -logSigmoid(beta * m);
        }

        @Override
        public double slope(double m, double beta) {
            return -beta / (1 + Math.exp(beta * m));
        }
    },
    /**
     * IPO (Azar et al. 2023): ℓ = (m − 1/(2β))², a squared loss that pulls the margin to 1/(2β) instead of pushing it
     * to infinity; dℓ/dm = 2·(m − 1/(2β)).
     */
    @JsonProperty("ipo") IPO {
        @Override
        public double value(double m, double beta) {
            double d = m - 1 / (2 * beta);
            return d * d;
        }

        @Override
        public double slope(double m, double beta) {
            return 2 * (m - 1 / (2 * beta));
        }
    };

    /** ℓ(m). */
    public abstract double value(double m, double beta);

    /** dℓ/dm. */
    public abstract double slope(double m, double beta);

    /** log σ(x), stable for any x. */
    static double logSigmoid(double x) {
        return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    }
}
