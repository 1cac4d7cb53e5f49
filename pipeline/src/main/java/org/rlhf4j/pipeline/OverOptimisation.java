package org.rlhf4j.pipeline;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Gao, Schulman and Hilton (2022): as a policy optimises a proxy reward, its gold reward, measured against the
 * distance d = √KL from the initial policy, follows
 * <ul>
 *   <li>best-of-n: R(d) = d (α − β d), peaking at d* = α / (2β);</li>
 *   <li>RL: R(d) = d (α − β ln d), peaking at d* = exp(α/β − 1);</li>
 * </ul>
 * with R the gold gain over the initial policy (R(0) = 0). Both forms are linear in (α, β), so the fit is ordinary
 * least squares through the origin on the basis (d, −d²) or (d, −d ln d). The peak's interval comes from a
 * bootstrap over prompts: resample the prompts with replacement, recompute each point's mean gain on them, refit.
 */
public final class OverOptimisation {
    private OverOptimisation() {}

    public enum Form {
        BEST_OF_N, RL;

        /** The second basis function, whose coefficient is −β. */
        double second(double d) {
            if (this == BEST_OF_N) return -d * d;
            return d <= 0 ? 0 : -d * Math.log(d);
        }

        /** Where R(d) peaks, +∞ if it never turns down (β ≤ 0). */
        public double peak(double alpha, double beta) {
            if (!(beta > 0)) return Double.POSITIVE_INFINITY;
            return this == BEST_OF_N ? alpha / (2 * beta) : Math.exp(alpha / beta - 1);
        }

        public double value(double alpha, double beta, double d) {
            return alpha * d + beta * second(d);
        }
    }

    /**
     * A fitted curve.
     *
     * @param rmse      root-mean-square residual of the fit over its points
     * @param peakD     d* of the fitted curve
     * @param peakLow   2.5th percentile of d* over the bootstrap (NaN without one)
     * @param peakHigh  97.5th percentile (+∞ when the bootstrap's curves often never turn down)
     * @param peakGain  R(d*), the fitted gold gain at the peak (NaN when d* is infinite)
     */
    public record Fit(Form form, double alpha, double beta, double rmse, double peakD, double peakLow, double peakHigh, double peakGain) {}

    /** Least-squares (α, β) of gain ≈ α d + β·second(d) over the points; the point at d = 0 adds nothing. */
    public static Fit fit(Form form, double[] d, double[] gain) {
        if (d.length != gain.length) throw new IllegalArgumentException("d and gain differ in length: " + d.length + " vs " + gain.length);
        double s11 = 0, s12 = 0, s22 = 0, t1 = 0, t2 = 0;
        for (int i = 0; i < d.length; i++) {
            double x1 = d[i], x2 = form.second(d[i]);
            s11 += x1 * x1;
            s12 += x1 * x2;
            s22 += x2 * x2;
            t1 += x1 * gain[i];
            t2 += x2 * gain[i];
        }
        double det = s11 * s22 - s12 * s12;
        if (!(Math.abs(det) > 1e-300)) throw new IllegalArgumentException("the points do not determine both coefficients: need two distinct d > 0"
                + (form == Form.RL ? " other than 1" : ""));
        double alpha = (t1 * s22 - t2 * s12) / det, beta = (s11 * t2 - s12 * t1) / det;
        double ss = 0;
        for (int i = 0; i < d.length; i++) {
            double r = gain[i] - form.value(alpha, beta, d[i]);
            ss += r * r;
        }
        double peak = form.peak(alpha, beta);
        return new Fit(form, alpha, beta, Math.sqrt(ss / d.length), peak, Double.NaN, Double.NaN,
                Double.isFinite(peak) ? form.value(alpha, beta, peak) : Double.NaN);
    }

    /**
     * The fit to per-prompt gold scores, with the peak's 95 % bootstrap interval.
     *
     * @param d        each point's √KL (held fixed in the bootstrap)
     * @param gold     [point][prompt]: the gold score of each point's response to each prompt (or the prompt's mean)
     * @param baseline [prompt]: the initial policy's gold score per prompt (d = 0)
     */
    public static Fit fitWithInterval(Form form, double[] d, double[][] gold, double[] baseline, int reps, long seed) {
        int prompts = baseline.length;
        Fit point = fit(form, d, meanGain(gold, baseline, null));
        double[] peaks = new double[reps];
        SplittableRandom rng = new SplittableRandom(seed);
        int[] pick = new int[prompts];
        int n = 0;
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < prompts; i++) pick[i] = rng.nextInt(prompts);
            try {
                peaks[n++] = fit(form, d, meanGain(gold, baseline, pick)).peakD();
            } catch (IllegalArgumentException e) {
                n--;
            }
        }
        double[] sorted = Arrays.copyOf(peaks, n);
        Arrays.sort(sorted);
        return new Fit(form, point.alpha(), point.beta(), point.rmse(), point.peakD(), percentile(sorted, 0.025), percentile(sorted, 0.975), point.peakGain());
    }

    /** Each point's mean over the (picked) prompts of gold − baseline. */
    static double[] meanGain(double[][] gold, double[] baseline, int[] pick) {
        double[] g = new double[gold.length];
        int m = pick == null ? baseline.length : pick.length;
        for (int p = 0; p < gold.length; p++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                int j = pick == null ? i : pick[i];
                s += gold[p][j] - baseline[j];
            }
            g[p] = s / m;
        }
        return g;
    }

    /** Linear interpolation between order statistics (+∞ entries sort last). */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        if (Double.isInfinite(sorted[hi]) || lo == hi) return sorted[hi == lo ? lo : (Double.isInfinite(sorted[lo]) ? lo : hi)];
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
