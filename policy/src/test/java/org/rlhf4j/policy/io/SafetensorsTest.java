package org.rlhf4j.policy.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.policy.Nd4jDefaults;

/**
 * Round trips against hand-encoded bit patterns, and rejection of malformed files (each built byte by byte here) with a
 * message that names the file and the problem.
 */
class SafetensorsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void defaults() {
        Nd4jDefaults.apply();
    }

    // ---- round trips ---------------------------------------------------------------------------------------------

    /** One float tensor written as {@code dtype}: returns the raw little-endian element bytes of the data section. */
    ByteBuffer writeOne(String name, INDArray a, Safetensors.Dtype dtype) throws IOException {
        Path f = tmp.resolve(name);
        Safetensors.write(f, Map.of("t", a), null, dtype);
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        long n = all.getLong(0);
        assertEquals(0, n % 8, "header padded to 8 bytes");
        return all.position((int) (8 + n)).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    INDArray readOne(String name) throws IOException {
        return Safetensors.read(tmp.resolve(name)).tensors().get("t");
    }

    /**
     * Tensors that are views of one flat buffer (as a policy's parameters are) stream straight from that buffer, in
     * chunks of 2^18 floats: a tensor longer than a chunk, at an offset, and a transposed (non-contiguous) view.
     */
    @Test
    void viewsOfAFlatBufferAreWrittenExactly() throws IOException {
        int n = 300_000;
        INDArray flat = Nd4j.rand(DataType.FLOAT, 7 + n + 12);
        INDArray big = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 7 + n)).reshape('c', 600, 500);
        INDArray small = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(7 + n, 7 + n + 12)).reshape('c', 3, 4);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("big", big);
        m.put("small", small);
        m.put("transposed", small.transpose());
        Path f = tmp.resolve("views.safetensors");
        Safetensors.write(f, m, null, Safetensors.Dtype.F32);
        Map<String, INDArray> back = Safetensors.read(f).tensors();
        assertEquals(big, back.get("big"));
        assertEquals(small, back.get("small"));
        assertEquals(small.transpose(), back.get("transposed"));
    }

    @Test
    void f32IsBitExactAndRowMajor() throws IOException {
        float[] v = {1.0f, -2.5f, 0.1f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 1.17549435e-38f, 3.0e-39f};
        ByteBuffer raw = writeOne("f32", Nd4j.create(v, new long[] {2, 4}, 'c'), Safetensors.Dtype.F32);
        assertEquals(v.length * 4, raw.remaining());
        for (float x : v) assertEquals(Float.floatToRawIntBits(x), raw.getInt(), "stored " + x);
        INDArray back = readOne("f32");
        assertEquals(DataType.FLOAT, back.dataType());
        assertArrayEquals(new long[] {2, 4}, back.shape());
        float[] got = back.data().asFloat();
        for (int i = 0; i < v.length; i++) assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(got[i]), "read " + v[i]);
    }

    @Test
    void f32FromAColumnMajorArrayIsStoredRowMajor() throws IOException {
        INDArray fortran = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'f'); // [[1,3,5],[2,4,6]]
        ByteBuffer raw = writeOne("f", fortran, Safetensors.Dtype.F32);
        for (float want : new float[] {1, 3, 5, 2, 4, 6}) assertEquals(want, raw.getFloat());
    }

    @Test
    void f64IsBitExact() throws IOException {
        double[] v = {Math.PI, -1e-300, Double.MIN_VALUE, -0.0, 1e308, 0.1};
        ByteBuffer raw = writeOne("f64", Nd4j.create(v, new long[] {6}, 'c'), Safetensors.Dtype.F64);
        for (double x : v) assertEquals(Double.doubleToRawLongBits(x), raw.getLong(), "stored " + x);
        INDArray back = readOne("f64");
        assertEquals(DataType.DOUBLE, back.dataType());
        double[] got = back.data().asDouble();
        for (int i = 0; i < v.length; i++) assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(got[i]), "read " + v[i]);
    }

    /** A value, its IEEE binary16 bits worked out by hand, and the float those bits mean. */
    record Case(float value, int bits, float decoded) {}

    static final float P2_M24 = 0x1p-24f, P2_M25 = 0x1p-25f;

    @Test
    void f16MatchesHandEncodedBits() throws IOException {
        List<Case> cases = List.of(
                new Case(1.0f, 0x3C00, 1.0f),
                new Case(-2.5f, 0xC100, -2.5f),
                new Case(0.1f, 0x2E66, 0.0999755859375f),                 // 1.6·2^-4: exponent 11, mantissa round(614.4) = 614
                new Case(65504f, 0x7BFF, 65504f),                          // largest finite half
                new Case(65519f, 0x7BFF, 65504f),                          // below the midpoint to 65536: stays finite
                new Case(65520f, 0x7C00, Float.POSITIVE_INFINITY),         // midpoint, ties to even = 65536: overflows
                new Case(-0.0f, 0x8000, -0.0f),
                new Case(0x1p-14f, 0x0400, 0x1p-14f),                      // smallest normal
                new Case(1023 * P2_M24, 0x03FF, 1023 * P2_M24),            // largest subnormal
                new Case(P2_M24, 0x0001, P2_M24),                          // smallest subnormal
                new Case(P2_M25, 0x0000, 0f),                              // half of it: tie, rounds to even 0
                new Case(3 * P2_M25, 0x0002, 2 * P2_M24),                  // 1.5 subnormal steps: tie, rounds to even 2
                new Case(1e-8f, 0x0000, 0f),                               // below half the smallest subnormal
                new Case(1 + 0x1p-11f, 0x3C00, 1f),                        // tie between 0x3C00 and 0x3C01: even, down
                new Case(1 + 3 * 0x1p-11f, 0x3C02, 1 + 0x1p-9f),           // tie between 0x3C01 and 0x3C02: even, up
                new Case(1 + 0x1p-11f + 0x1p-20f, 0x3C01, 1 + 0x1p-10f),   // just above the tie: up
                new Case(Float.POSITIVE_INFINITY, 0x7C00, Float.POSITIVE_INFINITY));
        checkHalfFormat("f16", Safetensors.Dtype.F16, cases);
        ByteBuffer raw = writeOne("nan16", Nd4j.create(new float[] {Float.NaN}, new long[] {1}, 'c'), Safetensors.Dtype.F16);
        int nan = raw.getShort() & 0xffff;
        assertTrue((nan & 0x7C00) == 0x7C00 && (nan & 0x3FF) != 0, "NaN stays NaN: " + Integer.toHexString(nan));
        assertTrue(Float.isNaN(readOne("nan16").getFloat(0)));
    }

    @Test
    void bf16MatchesHandEncodedBits() throws IOException {
        List<Case> cases = List.of(
                new Case(1.0f, 0x3F80, 1.0f),
                new Case(-2.5f, 0xC020, -2.5f),
                new Case(65504f, 0x4780, 65536f),                          // 0x477FE000: low half above the midpoint, up
                new Case(1 + 0x1p-8f, 0x3F80, 1f),                         // tie between 0x3F80 and 0x3F81: even, down
                new Case(1 + 3 * 0x1p-8f, 0x3F82, 1 + 0x1p-6f),            // tie between 0x3F81 and 0x3F82: even, up
                new Case(1 + 0x1p-8f + 0x1p-20f, 0x3F81, 1 + 0x1p-7f),     // just above the tie: up
                new Case(-0.0f, 0x8000, -0.0f),
                new Case(Float.intBitsToFloat(0x00010000), 0x0001, Float.intBitsToFloat(0x00010000)), // subnormal kept
                new Case(Float.intBitsToFloat(0x00018000), 0x0002, Float.intBitsToFloat(0x00020000)), // subnormal tie: even
                new Case(Float.MIN_VALUE, 0x0000, 0f),                     // 0x00000001: below the midpoint, down
                new Case(Float.MAX_VALUE, 0x7F80, Float.POSITIVE_INFINITY)); // 0x7F7FFFFF rounds up past the largest
        checkHalfFormat("bf16", Safetensors.Dtype.BF16, cases);
        ByteBuffer raw = writeOne("nanbf", Nd4j.create(new float[] {Float.NaN}, new long[] {1}, 'c'), Safetensors.Dtype.BF16);
        assertEquals(0x7FC0, raw.getShort() & 0xffff);
    }

    private void checkHalfFormat(String file, Safetensors.Dtype dtype, List<Case> cases) throws IOException {
        float[] v = new float[cases.size()];
        for (int i = 0; i < v.length; i++) v[i] = cases.get(i).value();
        ByteBuffer raw = writeOne(file, Nd4j.create(v, new long[] {v.length}, 'c'), dtype);
        assertEquals(2 * v.length, raw.remaining());
        for (Case c : cases) assertEquals(Integer.toHexString(c.bits()), Integer.toHexString(raw.getShort() & 0xffff), dtype + " of " + c.value());
        float[] back = readOne(file).data().asFloat();
        for (int i = 0; i < v.length; i++)
            assertEquals(Float.floatToRawIntBits(cases.get(i).decoded()), Float.floatToRawIntBits(back[i]), dtype + " " + cases.get(i).value() + " read back as " + back[i]);
    }

    @Test
    void integersKeepTheirType() throws IOException {
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        t.put("long", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, -1, 7}));
        t.put("int", Nd4j.createFromArray(new int[] {Integer.MAX_VALUE, 0}));
        Path f = tmp.resolve("ints");
        Safetensors.write(f, t, null, Safetensors.Dtype.F16);
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(List.of("long", "int"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 7}, c.tensors().get("long").toLongVector());
        assertArrayEquals(new int[] {Integer.MAX_VALUE, 0}, c.tensors().get("int").toIntVector());
        String header = headerOf(f);
        assertTrue(header.contains("\"dtype\":\"I64\"") && header.contains("\"dtype\":\"I32\""), header);
    }

    /** HF GPT-2 causal masks come as BOOL or U8 [1, 1, n, n]; both read, keep their type and write back, as does a shape-[] scalar. */
    @Test
    void boolsBytesAndScalarsRoundTrip() throws IOException {
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        t.put("mask", Nd4j.createFromArray(new boolean[] {true, false, true, true}).reshape(1, 1, 2, 2));
        t.put("bytes", Nd4j.createFromArray(new int[] {0, 1, 200, 255}).castTo(DataType.UBYTE).reshape(2, 2));
        t.put("scalar", Nd4j.scalar(-1e4f));
        Path f = tmp.resolve("masks");
        Safetensors.write(f, t, null, Safetensors.Dtype.F32);
        String header = headerOf(f);
        assertTrue(header.contains("\"mask\":{\"dtype\":\"BOOL\",\"shape\":[1,1,2,2]") && header.contains("\"bytes\":{\"dtype\":\"U8\"")
                && header.contains("\"scalar\":{\"dtype\":\"F32\",\"shape\":[]"), header);
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(8 + headerLength + 4 + 4 + 4, Files.size(f), "one byte per BOOL and U8 element");
        Safetensors.Contents c = Safetensors.read(f);
        INDArray mask = c.tensors().get("mask"), bytes = c.tensors().get("bytes"), scalar = c.tensors().get("scalar");
        assertEquals(DataType.BOOL, mask.dataType());
        assertArrayEquals(new long[] {1, 1, 2, 2}, mask.shape());
        assertArrayEquals(new int[] {1, 0, 1, 1}, mask.castTo(DataType.INT).data().asInt());
        assertEquals(DataType.UBYTE, bytes.dataType());
        assertArrayEquals(new int[] {0, 1, 200, 255}, bytes.castTo(DataType.INT).data().asInt());
        assertEquals(0, scalar.rank());
        assertEquals(-1e4f, scalar.getFloat(0));
    }

    @Test
    void metadataRoundTripsAndTensorsKeepTheirOrder() throws IOException {
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        t.put("z", Nd4j.create(new float[] {1, 2}, new long[] {2}, 'c'));
        t.put("a", Nd4j.create(new float[] {3}, new long[] {1}, 'c'));
        Map<String, String> meta = Map.of("format", "pt", "note", "ünïcödé ✓");
        Path f = tmp.resolve("meta");
        Safetensors.write(f, t, meta, Safetensors.Dtype.F32);
        Safetensors.Contents c = Safetensors.read(f);
        assertEquals(meta, c.metadata());
        assertEquals(List.of("z", "a"), List.copyOf(c.tensors().keySet()));
        assertEquals(3f, c.tensors().get("a").getFloat(0));
        assertTrue(headerOf(f).startsWith("{\"__metadata__\":{"), headerOf(f));
    }

    @Test
    void aHandWrittenFileIsRead() throws IOException {
        // Two F32 tensors back to back: a = [1.5, -2], b = [[0.25]]; header has no padding and __metadata__ last.
        Path f = file("hand", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[8,12]},\"__metadata__\":{\"k\":\"v\"}}", floats(1.5f, -2f, 0.25f));
        Safetensors.Contents c = Safetensors.read(f);
        assertArrayEquals(new float[] {1.5f, -2f}, c.tensors().get("a").toFloatVector());
        assertArrayEquals(new long[] {1, 1}, c.tensors().get("b").shape());
        assertEquals(0.25f, c.tensors().get("b").getFloat(0, 0));
        assertEquals(Map.of("k", "v"), c.metadata());
    }

    // ---- rejection ----------------------------------------------------------------------------------------------

    static final String A_F32_2 = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void aFileShorterThanTheLengthFieldIsRejected() throws IOException {
        Path f = tmp.resolve("tiny");
        Files.write(f, new byte[] {1, 0, 0, 0, 0});
        assertRejected(f, "file is 5 bytes, shorter than the 8-byte header length");
    }

    @Test
    void aHeaderLengthPastTheEndIsRejected() throws IOException {
        assertRejected(fileWithLength("past", 1000, "{}".getBytes(StandardCharsets.UTF_8)), "header length 1000 runs past the end of the 10-byte file");
    }

    @Test
    void absurdHeaderLengthsAreRejectedBeforeAllocating() throws IOException {
        assertRejected(fileWithLength("neg", -1, new byte[16]), "header length -1 is outside 1..");
        assertRejected(fileWithLength("zero", 0, new byte[16]), "header length 0 is outside 1..");
        assertRejected(fileWithLength("huge", Long.MAX_VALUE, new byte[16]), "header length " + Long.MAX_VALUE + " is outside 1..");
    }

    @Test
    void aHeaderThatIsNotJsonIsRejected() throws IOException {
        assertRejected(file("notjson", "{\"a\": {\"dtype\": ", new byte[0]), "header is not valid JSON");
        assertRejected(file("array", "[1, 2]", new byte[0]), "header must be a JSON object");
    }

    @Test
    void dataOffsetsOutsideTheDataSectionAreRejected() throws IOException {
        assertRejected(file("beyond", "{" + A_F32_2 + "}", floats(1f)), "tensor a: data_offsets [0, 8] outside the 4-byte data section");
        assertRejected(file("negative", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", floats(1f)),
                "tensor a: data_offsets [-4, 0] outside");
        assertRejected(file("reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", floats(1f)),
                "tensor a: data_offsets [4, 0] outside");
    }

    @Test
    void overlappingTensorsAreRejected() throws IOException {
        assertRejected(file("overlap", "{" + A_F32_2 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", floats(1, 2, 3)),
                "tensor b overlaps the tensor before it (begins at 4, previous ends at 8)");
    }

    @Test
    void aGapBetweenTensorsIsRejected() throws IOException {
        assertRejected(file("gap", "{" + A_F32_2 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", floats(1, 2, 3, 4)),
                "gap of 4 bytes before tensor b");
    }

    @Test
    void aSizeThatDisagreesWithTheShapeIsRejected() throws IOException {
        assertRejected(file("size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", floats(1, 2, 3)),
                "tensor a: data_offsets span 12 bytes but F32 [2, 2] needs 16");
        assertRejected(file("shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", floats(1)),
                "tensor a: shape[0] must be a non-negative integer");
    }

    @Test
    void anUnknownDtypeIsRejected() throws IOException {
        assertRejected(file("dtype", "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", floats(1)),
                "tensor a: dtype \"F8_E4M3\" is not one of F64, F32, F16, BF16, I64, I32, U8, BOOL");
    }

    @Test
    void aTruncatedFileIsRejectedNamingTheTensorCutOff() throws IOException {
        LinkedHashMap<String, INDArray> t = new LinkedHashMap<>();
        t.put("first", Nd4j.create(new float[] {1, 2}, new long[] {2}, 'c'));
        t.put("last", Nd4j.create(new float[] {3, 4}, new long[] {2}, 'c'));
        Path f = tmp.resolve("whole");
        Safetensors.write(f, t, null, Safetensors.Dtype.F32);
        byte[] bytes = Files.readAllBytes(f);
        Path cut = tmp.resolve("cut");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 3));
        assertRejected(cut, "tensor last: data_offsets [8, 16] outside the 13-byte data section");
        Path longer = tmp.resolve("longer");
        Files.write(longer, Arrays.copyOf(bytes, bytes.length + 4));
        assertRejected(longer, "data section is 20 bytes but tensors cover 16");
    }

    @Test
    void everyProblemIsReportedAtOnce() throws IOException {
        String header = "{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[4,8]},"
                + "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,99]},\"__metadata__\":{\"n\":1}}";
        Safetensors.FormatException e = assertRejected(file("many", header, floats(1, 2, 3)), "tensor a: dtype \"Q4\"");
        for (String part : List.of("tensor b: data_offsets span 4 bytes but F32 [3] needs 12", "tensor c: data_offsets [8, 99] outside",
                "__metadata__.n must be a string"))
            assertTrue(e.getMessage().contains(part), "missing \"" + part + "\" in: " + e.getMessage());
    }

    @Test
    void overflowingShapesDuplicatesAndTrailingJunkAreFormatErrors() throws IOException {
        assertRejected(file("overflow", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", floats(1)),
                "tensor a: shape [4294967296,4294967296] holds more bytes than a file can");
        // 2^61 F64 elements are 2^64 bytes, which wraps to 0 in a long and would match an empty span.
        assertRejected(file("wrap", "{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}", new byte[0]),
                "tensor a: shape [2305843009213693952] holds more bytes than a file can");
        assertRejected(file("bigoffset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", floats(1)),
                "tensor a: data_offsets must be [begin, end]");
        assertRejected(file("dup", "{" + A_F32_2 + "," + A_F32_2 + "}", floats(1, 2)), "Duplicate field 'a'");
        assertRejected(file("junk", "{" + A_F32_2 + "} xyz", floats(1, 2)), "header is not valid JSON");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private Safetensors.FormatException assertRejected(Path f, String expected) {
        Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
        return e;
    }

    /** A file with a correct header length field, the given header text and data bytes. */
    private Path file(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    /** A file whose length field says {@code declared}, followed by {@code rest}. */
    private Path fileWithLength(String name, long declared, byte[] rest) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declared).put(rest);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    private static String headerOf(Path f) throws IOException {
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(all, 8, (int) n, StandardCharsets.UTF_8).trim();
    }
}
