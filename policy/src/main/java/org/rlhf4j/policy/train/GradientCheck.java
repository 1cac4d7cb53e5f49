package org.rlhf4j.policy.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Central finite differences against SameDiff's gradients, in double precision. DL4J 1.0.0-M2.1 has autodiff defects
 * that corrupt gradients silently (docs/nd4j-notes.md), and its own GradCheckUtil rejects float placeholders,
 * so every graph in this project is checked with this.
 */
public final class GradientCheck {
    private GradientCheck() {}

    /** One compared entry. */
    public record Entry(String param, long index, double analytic, double numeric, double relError) {}

    /** The worst entries and the overall verdict. */
    public record Report(List<Entry> entries, double maxRelError, int checked) {
        public String worst() {
            return entries.stream().max(java.util.Comparator.comparingDouble(Entry::relError)).map(Entry::toString).orElse("none");
        }
    }

    /**
     * Compares d(loss)/d(param) for up to {@code perParam} random entries of each named parameter.
     * Relative error is |a − n| / max(|a| + |n|, absFloor), so entries with both gradients near zero compare absolutely.
     */
    @SuppressWarnings("unchecked")
    public static Report check(SameDiff sd, String loss, Map<String, INDArray> feeds, List<String> params,
                               int perParam, double eps, double absFloor, long seed) {
        for (String p : params) {
            if (sd.getArrForVarName(p).dataType() != DataType.DOUBLE) throw new IllegalArgumentException(p + " must be float64 for a gradient check");
        }
        Map<String, INDArray>[] holder = new Map[1];
        TrainGraph.quietly(() -> holder[0] = sd.calculateGradients(feeds, params));
        Map<String, INDArray> grads = holder[0];
        SplittableRandom rng = new SplittableRandom(seed);
        List<Entry> entries = new ArrayList<>();
        double max = 0;
        for (String p : params) {
            INDArray w = sd.getArrForVarName(p);
            INDArray g = grads.get(p);
            if (g == null) throw new IllegalStateException("no gradient for " + p);
            long n = w.length();
            int k = (int) Math.min(perParam, n);
            for (int j = 0; j < k; j++) {
                long idx = n <= perParam ? j : rng.nextLong(n);
                double orig = w.getDouble(idx);
                w.putScalar(idx, orig + eps);
                double up = lossValue(sd, loss, feeds);
                w.putScalar(idx, orig - eps);
                double down = lossValue(sd, loss, feeds);
                w.putScalar(idx, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = g.getDouble(idx);
                double rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic) + Math.abs(numeric), absFloor);
                entries.add(new Entry(p, idx, analytic, numeric, rel));
                max = Math.max(max, rel);
            }
        }
        return new Report(entries, max, entries.size());
    }

    static double lossValue(SameDiff sd, String loss, Map<String, INDArray> feeds) {
        return sd.output(feeds, loss).get(loss).sumNumber().doubleValue();
    }
}
