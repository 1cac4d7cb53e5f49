package org.rlhf4j.policy;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's global defaults, set in exactly one place. Called from {@code main} and from tests.
 *
 * <p>Float32 is the default for training and inference; gradient checks switch to float64 explicitly.
 * Thread count: {@code OMP_NUM_THREADS=1} was measured faster on 2 cores (docs/nd4j-notes.md), and the launcher
 * and Surefire set it; nothing here overrides an explicit environment setting.
 */
public final class Nd4jDefaults {
    private static volatile boolean applied;

    private Nd4jDefaults() {}

    /** Applies the defaults once per JVM: float32 arrays, no op profiling, no workspace debug output. */
    public static synchronized void apply() {
        if (applied) return;
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Nd4j.getExecutioner().enableDebugMode(false);
        Nd4j.getExecutioner().enableVerboseMode(false);
        applied = true;
    }
}
