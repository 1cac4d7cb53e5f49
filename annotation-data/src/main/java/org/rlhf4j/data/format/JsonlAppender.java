package org.rlhf4j.data.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends records to a JSON Lines file one at a time, forcing each line to disk before {@link #append} returns: what
 * the labelling server uses so that an acknowledged label survives a crash. Safe to share between threads.
 *
 * <p>Opening refuses a file whose last line is cut off (no final "\n"), which only a crash in the middle of a write
 * leaves behind: appending to it would glue a good record onto a broken one.
 */
public final class JsonlAppender implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;

    private JsonlAppender(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens {@code file} for appending, creating it (and its parent directories) if needed. */
    public static JsonlAppender open(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".gz"))
            throw new IllegalArgumentException(file + ": cannot append line by line to a gzip file");
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        if (Files.exists(file)) checkLastLineComplete(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        JsonlWriter.syncDirectory(parent);
        return new JsonlAppender(file, channel);
    }

    private static void checkLastLineComplete(Path file) throws IOException {
        try (FileChannel read = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = read.size();
            if (size == 0) return;
            ByteBuffer last = ByteBuffer.allocate(1);
            read.read(last, size - 1);
            if (last.get(0) != '\n')
                throw new IOException(file + ": the last line is incomplete (no final newline at byte " + size
                        + "); an earlier write was cut off. Repair or remove that line before appending.");
        }
    }

    /** Writes one record as one line and forces it to disk. */
    public synchronized void append(Object record) throws IOException {
        ByteBuffer line = ByteBuffer.wrap((RecordJson.toLine(record) + "\n").getBytes(StandardCharsets.UTF_8));
        while (line.hasRemaining()) channel.write(line);
        channel.force(true);
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
