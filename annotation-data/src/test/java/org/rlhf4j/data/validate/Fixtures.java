package org.rlhf4j.data.validate;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;

/** Test fixture files under src/test/resources/fixtures, and short ways to look at problems. */
public final class Fixtures {
    private Fixtures() {}

    /** The filesystem path of {@code fixtures/NAME} on the test classpath, as a spec string. */
    public static String fixture(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) throw new IllegalArgumentException("no test fixture " + name);
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each problem as "LINE: message", without the file name. */
    public static List<String> lineMessages(List<Problem> problems) {
        return problems.stream().map(p -> p.line() + ": " + p.message()).toList();
    }

    public static List<Integer> lines(List<Problem> problems) {
        return problems.stream().map(Problem::line).toList();
    }
}
