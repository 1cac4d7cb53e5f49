package org.rlhf4j.data.format;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a whole JSON Lines file atomically: the records go to a temporary file in the same directory, which is
 * fsynced and then renamed over the target, so a reader sees either the old file or the complete new one, never a
 * half-written one. A target whose name ends in ".gz" is written gzip-compressed.
 */
public final class JsonlWriter {
    private JsonlWriter() {}

    /**
     * Writes {@code records} (any of the record kinds {@link RecordJson} knows), one per line, each line ending in
     * "\n". Missing parent directories are created.
     */
    public static void write(Path file, Iterable<?> records) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream raw = Channels.newOutputStream(channel);
                GZIPOutputStream gzip = target.getFileName().toString().endsWith(".gz") ? new GZIPOutputStream(raw, 1 << 16) : null;
                OutputStream out = new BufferedOutputStream(gzip != null ? gzip : raw, 1 << 16);
                for (Object record : records) {
                    out.write(RecordJson.toLine(record).getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                }
                out.flush();
                if (gzip != null) gzip.finish();
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(dir);
    }

    /** Makes the rename itself durable. Some file systems cannot open a directory for syncing; then this does nothing. */
    static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Not supported here (e.g. on Windows); the data itself was already forced to disk.
        }
    }
}
