package org.rlhf4j.cli;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import java.io.PrintStream;
import java.time.Clock;

/** Bindings for one CLI invocation: where output goes and the clock. No I/O happens here. */
final class CliModule extends AbstractModule {
    @Provides
    PrintStream out() {
        return System.out;
    }

    @Provides
    Clock clock() {
        return Clock.systemUTC();
    }
}
