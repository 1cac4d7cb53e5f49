package org.rlhf4j.ppo;

/**
 * The KL coefficient β of the per-token penalty −β·(log π − log π_ref). Fixed (InstructGPT) or adaptive (Ziegler et
 * al. 2019, "Fine-Tuning Language Models from Human Preferences", §2.2): after each iteration, with KL the mean KL per
 * response of that iteration's samples and n their number,
 *
 * <pre>
 *   e = clip(KL / target − 1, −0.2, 0.2)
 *   β ← β · (1 + e · n / horizon)
 * </pre>
 *
 * Its only state is β, which the trainer state stores for resume.
 */
public final class KlController {
    private final PpoConfig.KlMode mode;
    private final double target, horizon;
    private double beta;

    public KlController(PpoConfig.Kl cfg) {
        this(cfg.mode(), cfg.coef(), cfg.target(), cfg.horizon());
    }

    public KlController(PpoConfig.KlMode mode, double beta, double target, double horizon) {
        this.mode = mode;
        this.beta = beta;
        this.target = target;
        this.horizon = horizon;
    }

    public double beta() {
        return beta;
    }

    /** Restores β (resume). */
    public void setBeta(double beta) {
        this.beta = beta;
    }

    /**
     * Updates β from one iteration.
     *
     * @param klPerResponse mean over the iteration's responses of Σ_t (log π − log π_ref)
     * @param n             number of responses in the iteration
     */
    public void update(double klPerResponse, int n) {
        if (mode != PpoConfig.KlMode.ADAPTIVE) return;
        double e = Math.max(-0.2, Math.min(0.2, klPerResponse / target - 1));
        beta *= 1 + e * n / horizon;
    }
}
