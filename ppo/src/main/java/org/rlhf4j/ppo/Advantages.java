package org.rlhf4j.ppo;

/**
 * Generalised advantage estimation (Schulman et al. 2016) over response tokens, as small pure functions on (B, L)
 * arrays: row b is one response, column t its t-th token, {@code mask[b][t]} whether that token exists (responses are
 * left-aligned; shorter ones are padded on the right). The state before token t has value V_t; the episode ends after
 * the last real token, so the value after it is 0.
 *
 * <pre>
 *   δ_t = r_t + γ·V_{t+1} − V_t                    (V_{t+1} = 0 past the last real token)
 *   A_t = δ_t + γλ·A_{t+1}                         (A = 0 at padding)
 *   R_t = A_t + V_t                                the value loss's target (before any whitening of A)
 * </pre>
 *
 * The critic-free modes (RLOO, GRPO) need no values: each response gets one advantage, from its whole reward
 * R_i = Σ_t r_t (the score minus β·Σ_t (log π − log π_ref) when the KL is in the reward) and the rewards of the other
 * samples of the same prompt, and every one of its tokens uses it. Rows [g·k, (g+1)·k) are prompt g's k samples.
 *
 * <pre>
 *   RLOO (Ahmadian et al. 2024):  A_i = R_i − (Σ_{j≠i} R_j) / (k − 1)          the leave-one-out mean as baseline
 *   GRPO (Shao et al. 2024):      A_i = (R_i − mean_g R) / (std_g R + ε)       std with n − 1, ε = {@value #GRPO_EPS}
 * </pre>
 */
public final class Advantages {
    private Advantages() {}

    /** ε of GRPO's (R − mean) / (std + ε): a group whose rewards are all equal gets advantage 0, not 0/0. */
    public static final double GRPO_EPS = 1e-6;

    /**
     * @param advantages (B, L) A_t, raw from {@link #gae} (not whitened); 0 at padding
     * @param returns    (B, L) A_t + V_t; 0 at padding (null in the critic-free modes, which have no value to learn)
     */
    public record Result(double[][] advantages, double[][] returns) {}

    /** GAE for every row; see the class comment. */
    public static Result gae(double[][] rewards, double[][] values, boolean[][] mask, double gamma, double lambda) {
        int b = rewards.length;
        double[][] adv = new double[b][], ret = new double[b][];
        for (int r = 0; r < b; r++) {
            int len = rewards[r].length;
            adv[r] = new double[len];
            ret[r] = new double[len];
            double nextValue = 0, nextAdv = 0;
            for (int t = len - 1; t >= 0; t--) {
                if (!mask[r][t]) {
                    nextValue = 0;
                    nextAdv = 0;
                    continue;
                }
                double delta = rewards[r][t] + gamma * nextValue - values[r][t];
                adv[r][t] = delta + gamma * lambda * nextAdv;
                ret[r][t] = adv[r][t] + values[r][t];
                nextValue = values[r][t];
                nextAdv = adv[r][t];
            }
        }
        return new Result(adv, ret);
    }

    // ---- the critic-free estimators: one advantage per response, from the k samples of its prompt ----

    /** R_b = Σ_t r_t over row b's real tokens: a response's whole reward. */
    public static double[] sequenceRewards(double[][] rewards, boolean[][] mask) {
        double[] out = new double[rewards.length];
        for (int b = 0; b < rewards.length; b++) for (int t = 0; t < rewards[b].length; t++) if (mask[b][t]) out[b] += rewards[b][t];
        return out;
    }

    /** RLOO: A_i = R_i − the mean of the other k − 1 rewards of its group (groups are consecutive runs of k; k ≥ 2). */
    public static double[] rloo(double[] r, int k) {
        checkGroups(r.length, k);
        double[] a = new double[r.length];
        for (int g = 0; g < r.length; g += k) {
            double sum = 0;
            for (int i = g; i < g + k; i++) sum += r[i];
            for (int i = g; i < g + k; i++) a[i] = r[i] - (sum - r[i]) / (k - 1);
        }
        return a;
    }

    /** GRPO: A_i = (R_i − group mean) / (group std + eps), the std with n − 1 (groups are consecutive runs of k; k ≥ 2). */
    public static double[] grpo(double[] r, int k, double eps) {
        checkGroups(r.length, k);
        double[] a = new double[r.length];
        for (int g = 0; g < r.length; g += k) {
            double sum = 0;
            for (int i = g; i < g + k; i++) sum += r[i];
            double mean = sum / k, sq = 0;
            for (int i = g; i < g + k; i++) sq += (r[i] - mean) * (r[i] - mean);
            double std = Math.sqrt(sq / (k - 1));
            for (int i = g; i < g + k; i++) a[i] = (r[i] - mean) / (std + eps);
        }
        return a;
    }

    /** (B, L): {@code perResponse[b]} at every real token of row b, 0 at padding. */
    public static double[][] perToken(double[] perResponse, boolean[][] mask) {
        double[][] out = new double[mask.length][];
        for (int b = 0; b < mask.length; b++) {
            out[b] = new double[mask[b].length];
            for (int t = 0; t < mask[b].length; t++) if (mask[b][t]) out[b][t] = perResponse[b];
        }
        return out;
    }

    private static void checkGroups(int n, int k) {
        if (k < 2 || n % k != 0) throw new IllegalArgumentException(n + " rewards do not form groups of k=" + k + " (k >= 2, a divisor of the count)");
    }

    /**
     * (x − mean) / √(var + 1e-8) with mean and (population) variance taken over every real token of the batch;
     * padding stays 0.
     */
    public static double[][] whiten(double[][] x, boolean[][] mask) {
        double[] mv = maskedMeanVar(x, mask);
        double scale = 1.0 / Math.sqrt(mv[1] + 1e-8);
        double[][] out = new double[x.length][];
        for (int r = 0; r < x.length; r++) {
            out[r] = new double[x[r].length];
            for (int t = 0; t < x[r].length; t++) if (mask[r][t]) out[r][t] = (x[r][t] - mv[0]) * scale;
        }
        return out;
    }

    /** {mean, population variance} over the real tokens; {0, 0} when there are none. */
    public static double[] maskedMeanVar(double[][] x, boolean[][] mask) {
        double sum = 0;
        long n = 0;
        for (int r = 0; r < x.length; r++) for (int t = 0; t < x[r].length; t++) if (mask[r][t]) {
            sum += x[r][t];
            n++;
        }
        if (n == 0) return new double[] {0, 0};
        double mean = sum / n, sq = 0;
        for (int r = 0; r < x.length; r++) for (int t = 0; t < x[r].length; t++) if (mask[r][t]) sq += (x[r][t] - mean) * (x[r][t] - mean);
        return new double[] {mean, sq / n};
    }

    /** 1 − Var(returns − values) / Var(returns) over real tokens: how much of the return the value head explains. */
    public static double explainedVariance(double[][] values, double[][] returns, boolean[][] mask) {
        double[][] residual = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            residual[r] = new double[values[r].length];
            for (int t = 0; t < values[r].length; t++) residual[r][t] = returns[r][t] - values[r][t];
        }
        double varReturns = maskedMeanVar(returns, mask)[1];
        return varReturns == 0 ? Double.NaN : 1 - maskedMeanVar(residual, mask)[1] / varReturns;
    }
}
