package org.rlhf4j.cli;

import com.google.inject.Injector;
import picocli.CommandLine;

/** Lets picocli create commands through the invocation's injector. */
final class GuiceFactory implements CommandLine.IFactory {
    private final Injector injector;

    GuiceFactory(Injector injector) {
        this.injector = injector;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        try {
            return injector.getInstance(cls);
        } catch (com.google.inject.ConfigurationException e) {
            return CommandLine.defaultFactory().create(cls);
        }
    }
}
