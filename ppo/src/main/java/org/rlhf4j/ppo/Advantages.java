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
 */
public final class Advantages {
    private Advantages() {}

    /**
     * @param advantages (B, L) A_t, raw (not whitened); 0 at padding
     * @param returns    (B, L) A_t + V_t; 0 at padding
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
