package org.rlhf4j.pipeline;

/** The small formulas of the evaluation, each checked against hand values in tests. */
public final class EvalMath {
    private EvalMath() {}

    /**
     * Unbiased pass@k from n samples of which c are correct (Chen et al. 2021): 1 − C(n−c, k) / C(n, k), computed as
     * 1 − Π_{i=n−c+1..n} (1 − k/i), which never forms a binomial coefficient (stable for large n).
     */
    public static double passAtK(int n, int c, int k) {
        if (k < 1 || k > n || c < 0 || c > n) throw new IllegalArgumentException("need 1 <= k <= n and 0 <= c <= n, got n=" + n + " c=" + c + " k=" + k);
        if (n - c < k) return 1.0;
        double fail = 1.0;
        for (int i = n - c + 1; i <= n; i++) fail *= 1.0 - (double) k / i;
        return 1.0 - fail;
    }

    /** KL(best-of-n ‖ base) = log n − (n − 1)/n (Stiennon et al. 2020; Hilton & Gao). */
    public static double bestOfNKl(int n) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        return Math.log(n) - (n - 1.0) / n;
    }

    /** Win rate counting ties as half a win. */
    public static double winRate(int wins, int ties, int total) {
        return total == 0 ? Double.NaN : (wins + 0.5 * ties) / total;
    }

    /** Standard error of a mean: the sample standard deviation (n − 1) over √n; NaN for fewer than 2 values. */
    public static double standardError(double[] x) {
        int n = x.length;
        if (n < 2) return Double.NaN;
        double mean = 0;
        for (double v : x) mean += v / n;
        double ss = 0;
        for (double v : x) ss += (v - mean) * (v - mean);
        return Math.sqrt(ss / (n - 1) / n);
    }

    /**
     * Standard error of a win rate p over n comparisons, √(p(1 − p)/n) (the binomial one; counting a tie as half a win
     * makes the true one a little smaller, so this errs on the wide side).
     */
    public static double winRateStandardError(double p, int n) {
        return n == 0 ? Double.NaN : Math.sqrt(p * (1 - p) / n);
    }

    /**
     * The mean of each prompt's scores, for scores listed prompt by prompt with the same number of samples each
     * ({@code x.length / prompts} consecutive values per prompt).
     */
    public static double[] perPromptMeans(double[] x, int prompts) {
        if (prompts < 1 || x.length % prompts != 0)
            throw new IllegalArgumentException(x.length + " scores do not split into " + prompts + " prompts evenly");
        int m = x.length / prompts;
        double[] out = new double[prompts];
        for (int i = 0; i < prompts; i++) {
            for (int j = 0; j < m; j++) out[i] += x[i * m + j];
            out[i] /= m;
        }
        return out;
    }

    /**
     * The mean difference of two policies scored on the same prompts, mean_i (a_i − b_i), and its paired standard
     * error: the standard error of the per-prompt differences, s.d.(a − b)/√n. Prompt difficulty cancels in a − b, so
     * this is usually much smaller than the standard error of either mean. {a_i}, {b_i} are per-prompt means (see
     * {@link #perPromptMeans}); several samples per prompt shrink the sampling noise inside each.
     *
     * @return {mean difference, paired standard error}
     */
    public static double[] pairedDifference(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("paired scores need the same prompts: " + a.length + " vs " + b.length);
        double[] d = new double[a.length];
        double mean = 0;
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
            mean += d[i] / d.length;
        }
        return new double[] {mean, standardError(d)};
    }

    /**
     * {@link #pairedDifference} within each group of prompts (a task family), in order of first appearance: group g's
     * figures use only the prompts i with {@code groups[i] == g}.
     */
    public static java.util.Map<String, double[]> pairedDifferenceByGroup(double[] a, double[] b, String[] groups) {
        if (a.length != b.length || a.length != groups.length)
            throw new IllegalArgumentException("paired scores need the same prompts: " + a.length + ", " + b.length + " and " + groups.length + " groups");
        java.util.Map<String, java.util.List<Integer>> members = new java.util.LinkedHashMap<>();
        for (int i = 0; i < groups.length; i++) members.computeIfAbsent(groups[i], g -> new java.util.ArrayList<>()).add(i);
        java.util.Map<String, double[]> out = new java.util.LinkedHashMap<>();
        members.forEach((g, idx) -> {
            double[] x = new double[idx.size()], y = new double[idx.size()];
            for (int k = 0; k < x.length; k++) {
                x[k] = a[idx.get(k)];
                y[k] = b[idx.get(k)];
            }
            out.put(g, pairedDifference(x, y));
        });
        return out;
    }
}
