package org.rlhf4j.data.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Line splitting on raw bytes, including lines and CRLF endings that straddle the 64 KiB read buffer. */
class LineReaderTest {

    private static List<String> read(byte[] data, int max) throws IOException {
        LineReader r = new LineReader(new ByteArrayInputStream(data), max);
        List<String> out = new ArrayList<>();
        for (LineReader.Line l = r.next(); l != null; l = r.next())
            out.add(l.size() + ":" + new String(l.bytes(), 0, l.length(), StandardCharsets.UTF_8));
        return out;
    }

    @Test
    void endingsAndBlankLines() throws IOException {
        assertEquals(List.of("1:a", "0:", "2:bc"), read("a\n\nbc".getBytes(StandardCharsets.UTF_8), 100));
        assertEquals(List.of("1:a", "1:b"), read("a\r\nb\r\n".getBytes(StandardCharsets.UTF_8), 100));
        assertEquals(List.of(), read(new byte[0], 100));
        assertEquals(List.of("0:"), read("\n".getBytes(StandardCharsets.UTF_8), 100));
        assertEquals(List.of("2:a\r"), read("a\r\r\n".getBytes(StandardCharsets.UTF_8), 100), "only the CR before LF is stripped");
    }

    @Test
    void longLineIsCountedButOnlyThePrefixKept() throws IOException {
        byte[] data = new byte[200_001];
        Arrays.fill(data, (byte) 'x');
        data[200_000] = '\n';
        LineReader r = new LineReader(new ByteArrayInputStream(data), 1000);
        LineReader.Line l = r.next();
        assertEquals(200_000, l.size());
        assertEquals(1001, l.length(), "keeps limit + 1 bytes at most");
        assertNull(r.next());
    }

    @Test
    void crlfSplitAcrossReads() throws IOException {
        // A stream that hands out one byte per read puts every CR and LF at a buffer boundary.
        byte[] data = "ab\r\ncd\r\n".getBytes(StandardCharsets.UTF_8);
        InputStream trickle = new InputStream() {
            int i;

            @Override
            public int read() {
                return i < data.length ? data[i++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= data.length) return -1;
                b[off] = data[i++];
                return 1;
            }
        };
        LineReader r = new LineReader(trickle, 100);
        assertEquals("ab", new String(r.next().bytes(), 0, 2, StandardCharsets.UTF_8));
        LineReader.Line second = r.next();
        assertEquals(2, second.size());
        assertEquals(2, second.length());
        assertNull(r.next());
    }

    @Test
    void lineLongerThanTheReadBufferIsWhole() throws IOException {
        String text = "y".repeat(150_000);
        assertEquals(List.of("150000:" + text, "1:z"), read((text + "\nz\n").getBytes(StandardCharsets.UTF_8), 1 << 20));
    }
}
