package org.rlhf4j.sft;

/**
 * One training sequence and, per token, whether it is a training target (assistant output in SFT; every token but
 * the first in pretraining).
 */
public record Example(int[] ids, boolean[] train) {
    public Example {
        if (ids.length != train.length) throw new IllegalArgumentException("ids and train mask differ in length");
    }

    public int targets() {
        int n = 0;
        for (int i = 1; i < train.length; i++) if (train[i]) n++;
        return n;
    }
}
