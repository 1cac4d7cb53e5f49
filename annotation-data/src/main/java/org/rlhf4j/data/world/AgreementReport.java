package org.rlhf4j.data.world;

import java.util.List;
import java.util.Locale;

/**
 * Inter-annotator agreement of a pool: for each pair of different annotators, the share of response pairs on which
 * their (independently sampled) preferences agree; {@code mean} averages the annotator pairs.
 */
public record AgreementReport(List<String> annotators, double[][] agreement, int prompts, int responsePairs, double mean) {

    /** InstructGPT's agreement among its training labellers (Ouyang et al., 2022): 72.6 ± 1.5 %. */
    public static final double INSTRUCTGPT_AGREEMENT = 0.726;

    /** The agreement matrix as a text table, with the mean and the InstructGPT reference. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-12s", ""));
        for (String a : annotators) {
            out.append(String.format(Locale.ROOT, " %11s", a));
        }
        out.append('\n');
        for (int i = 0; i < annotators.size(); i++) {
            out.append(String.format(Locale.ROOT, "%-12s", annotators.get(i)));
            for (int j = 0; j < annotators.size(); j++) {
                out.append(i == j ? String.format(Locale.ROOT, " %11s", "-")
                        : String.format(Locale.ROOT, " %10.1f%%", 100 * agreement[i][j]));
            }
            out.append('\n');
        }
        out.append(String.format(Locale.ROOT, "mean agreement between different annotators: %.1f %% over %d response pairs"
                + " from %d held-out prompts (InstructGPT labellers: 72.6 ± 1.5 %%)%n", 100 * mean, responsePairs, prompts));
        return out.toString();
    }
}
