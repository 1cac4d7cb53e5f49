package org.rlhf4j.policy.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (step, ETA and a stage-specific message such as loss and tokens/s), via the progressbar
 * library. Set {@code RLHF4J_PROGRESS=off} to silence it (e.g. in logs).
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    public Progress(String task, long max) {
        boolean off = "off".equalsIgnoreCase(System.getenv("RLHF4J_PROGRESS"));
        PrintStream err = System.err;
        this.bar = off ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setMaxRenderedLength(120).showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(err, 120)).build();
    }

    public void stepTo(long n, String message) {
        if (bar == null) return;
        bar.stepTo(n);
        bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
