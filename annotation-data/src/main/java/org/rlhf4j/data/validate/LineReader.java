package org.rlhf4j.data.validate;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream at "\n" without decoding it, so that bad bytes can be reported against their line. Keeps at
 * most {@code maxBytes} bytes of a line (the rest is counted, not stored) and strips the "\r" of a CRLF ending.
 */
final class LineReader {

    /**
     * One line without its terminator.
     *
     * @param bytes  the stored bytes, {@code length} of them (all of the line unless it is too long)
     * @param length how many bytes of {@code bytes} are used
     * @param size   the line's full size in bytes
     */
    record Line(byte[] bytes, int length, long size) {}

    private final InputStream in;
    private final int maxBytes;
    private final byte[] buf = new byte[1 << 16];
    private int pos, limit;

    LineReader(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /** The next line, or null at the end of the stream. A last line without "\n" is still a line. */
    Line next() throws IOException {
        byte[] line = new byte[(int) Math.min(8192, maxBytes + 1L)];
        int stored = 0;
        long size = 0;
        byte last = 0;
        boolean started = false;
        while (true) {
            if (pos == limit) {
                int n = in.read(buf);
                if (n <= 0) {
                    pos = limit = 0;
                    return started ? finish(line, stored, size, last) : null;
                }
                pos = 0;
                limit = n;
            }
            started = true;
            int end = pos;
            while (end < limit && buf[end] != '\n') end++;
            int n = end - pos;
            if (n > 0) {
                int keep = (int) Math.min(n, maxBytes + 1L - stored);
                if (keep > 0) {
                    if (stored + keep > line.length) line = Arrays.copyOf(line, (int) Math.min(maxBytes + 1L, Math.max(2L * line.length, stored + keep)));
                    System.arraycopy(buf, pos, line, stored, keep);
                    stored += keep;
                }
                size += n;
                last = buf[end - 1];
            }
            if (end < limit) {
                pos = end + 1;
                return finish(line, stored, size, last);
            }
            pos = limit;
        }
    }

    private static Line finish(byte[] line, int stored, long size, byte last) {
        if (size > 0 && last == '\r') {
            size--;
            stored = (int) Math.min(stored, size);
        }
        return new Line(line, stored, size);
    }
}
