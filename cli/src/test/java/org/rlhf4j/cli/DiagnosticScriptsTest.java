package org.rlhf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README cites figures measured with the single-file programs in scripts/diagnostics, run on cli/target/lib; they
 * are not part of any module, so this compiles them against the same classes to keep them from rotting.
 */
class DiagnosticScriptsTest {
    @Test
    void everyDiagnosticScriptCompilesAgainstTheModules(@TempDir Path out) throws Exception {
        List<String> sources = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("..", "scripts", "diagnostics"))) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(p -> sources.add(p.toString()));
        }
        assertFalse(sources.isEmpty(), "scripts/diagnostics holds the README's measurement programs");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-cp", System.getProperty("java.class.path")));
        args.addAll(sources);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, null, err, args.toArray(String[]::new));
        assertEquals(0, rc, err.toString());
    }
}
