package org.rlhf4j.data.validate;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Where a data file is: a filesystem path, or {@code embedded:NAME} for the data shipped inside this module (the
 * classpath resource {@code /org/rlhf4j/data/embedded/NAME}). Names ending in ".gz" are gunzipped as they are read.
 *
 * @param spec the text the user gave; used as the file name in problems
 */
public record DataSpec(String spec) {
    public static final String EMBEDDED_PREFIX = "embedded:";
    public static final String EMBEDDED_ROOT = "/org/rlhf4j/data/embedded/";

    public boolean embedded() {
        return spec.startsWith(EMBEDDED_PREFIX);
    }

    /** The classpath resource an embedded spec names. */
    public String resource() {
        return EMBEDDED_ROOT + spec.substring(EMBEDDED_PREFIX.length());
    }

    public boolean gzipped() {
        return spec.endsWith(".gz");
    }

    /**
     * Opens the decompressed bytes.
     *
     * @throws FileNotFoundException with a message fit to show the user when the file or resource is not there
     * @throws IOException           when it cannot be read, or a .gz file is not gzip data
     */
    public InputStream open() throws IOException {
        InputStream raw;
        if (embedded()) {
            String name = spec.substring(EMBEDDED_PREFIX.length());
            if (name.isEmpty() || name.contains("..") || name.startsWith("/"))
                throw new FileNotFoundException("\"" + name + "\" is not an embedded data set name");
            raw = DataSpec.class.getResourceAsStream(resource());
            if (raw == null)
                throw new FileNotFoundException("no embedded data set \"" + name + "\" (classpath resource " + resource() + ")");
        } else {
            Path path = Path.of(spec);
            if (Files.isDirectory(path)) throw new FileNotFoundException("is a directory, not a data file");
            if (!Files.exists(path)) throw new FileNotFoundException("no such file");
            raw = Files.newInputStream(path);
        }
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        if (!gzipped()) return in;
        try {
            return new GZIPInputStream(in, 1 << 16);
        } catch (IOException e) {
            in.close();
            throw new IOException("the name ends in .gz but the content is not gzip data (" + e.getMessage() + ")", e);
        }
    }
}
