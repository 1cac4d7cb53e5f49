package org.rlhf4j.policy.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reader and writer for the safetensors format: an 8-byte little-endian header length N, N bytes of JSON header
 * ({@code name → {dtype, shape, data_offsets:[begin,end]}} plus an optional {@code __metadata__} string map), then the
 * little-endian tensor bytes. Reading validates the whole header before touching data: every offset is inside the
 * file, sizes match dtype × shape, tensors do not overlap and leave no gap, so a malformed file is rejected with a
 * message that names the file and tensor, and nothing is ever read out of bounds.
 */
public final class Safetensors {
    /** The largest header accepted (the format's reference implementation uses 100 MB). */
    public static final long MAX_HEADER = 100L * 1024 * 1024;
    // Strict: a duplicated tensor name or anything but padding after the header object is a malformed file.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Safetensors() {}

    /**
     * Element types this reader understands; F16 and BF16 are widened to float32 on read. BOOL and U8 are read because
     * Hugging Face GPT-2 state dicts hold their causal-mask buffers ({@code h.N.attn.bias}) in one or the other,
     * depending on the transformers version; an importer can then skip those tensors by name.
     */
    public enum Dtype {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), U8(1), BOOL(1);
        final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }
    }

    /** The tensors (in file order) and the {@code __metadata__} map. */
    public record Contents(LinkedHashMap<String, INDArray> tensors, Map<String, String> metadata) {}

    /** A malformed file: the message names the file and what is wrong. */
    public static final class FormatException extends IOException {
        public FormatException(Path file, String message) {
            super(file + ": " + message);
        }
    }

    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new FormatException(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > MAX_HEADER) throw new FormatException(file, "header length " + n + " is outside 1.." + MAX_HEADER);
            if (8 + n > size) throw new FormatException(file, "header length " + n + " runs past the end of the " + size + "-byte file (truncated?)");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            String headerText = new String(hb.array(), StandardCharsets.UTF_8);
            JsonNode header;
            try {
                header = JSON.readTree(headerText);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new FormatException(file, "header is not valid JSON: " + e.getOriginalMessage());
            }
            if (header == null || !header.isObject()) throw new FormatException(file, "header must be a JSON object");
            long dataStart = 8 + n, dataLen = size - dataStart;

            Map<String, String> metadata = new LinkedHashMap<>();
            List<Spec> specs = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject()) problems.add("__metadata__ must be an object of strings");
                    else e.getValue().fields().forEachRemaining(m -> {
                        if (!m.getValue().isTextual()) problems.add("__metadata__." + m.getKey() + " must be a string");
                        else metadata.put(m.getKey(), m.getValue().asText());
                    });
                    continue;
                }
                Spec s = Spec.parse(e.getKey(), e.getValue(), dataLen, problems);
                if (s != null) specs.add(s);
            }
            List<Spec> byOffset = new ArrayList<>(specs);
            byOffset.sort((a, b) -> Long.compare(a.begin, b.begin));
            long expect = 0;
            for (Spec s : byOffset) {
                if (s.begin < expect) problems.add("tensor " + s.name + " overlaps the tensor before it (begins at " + s.begin + ", previous ends at " + expect + ")");
                else if (s.begin > expect) problems.add("gap of " + (s.begin - expect) + " bytes before tensor " + s.name);
                expect = Math.max(expect, s.end);
            }
            if (problems.isEmpty() && expect != dataLen) problems.add("data section is " + dataLen + " bytes but tensors cover " + expect);
            if (!problems.isEmpty()) throw new FormatException(file, String.join("; ", problems));

            LinkedHashMap<String, INDArray> tensors = new LinkedHashMap<>();
            for (Spec s : specs) {
                ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(s.end - s.begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + s.begin);
                buf.flip();
                tensors.put(s.name, decode(s, buf));
            }
            return new Contents(tensors, metadata);
        }
    }

    private record Spec(String name, Dtype dtype, long[] shape, long begin, long end) {
        static Spec parse(String name, JsonNode n, long dataLen, List<String> problems) {
            String where = "tensor " + name + ": ";
            if (!n.isObject()) {
                problems.add(where + "entry must be an object");
                return null;
            }
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("dtype") && !f.equals("shape") && !f.equals("data_offsets")) problems.add(where + "unknown field \"" + f + "\"");
            }
            Dtype dt;
            try {
                dt = Dtype.valueOf(n.path("dtype").asText(""));
            } catch (IllegalArgumentException e) {
                problems.add(where + "dtype " + n.path("dtype") + " is not one of " + java.util.Arrays.stream(Dtype.values()).map(Enum::name)
                        .collect(java.util.stream.Collectors.joining(", ")));
                return null;
            }
            JsonNode sh = n.path("shape"), off = n.path("data_offsets");
            if (!sh.isArray()) {
                problems.add(where + "shape must be an array of non-negative integers");
                return null;
            }
            long[] shape = new long[sh.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                if (!sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0 || !sh.get(i).isIntegralNumber()) {
                    problems.add(where + "shape[" + i + "] must be a non-negative integer");
                    return null;
                }
                shape[i] = sh.get(i).asLong();
                if (shape[i] != 0 && count > Long.MAX_VALUE / dt.bytes / shape[i]) {
                    problems.add(where + "shape " + sh + " holds more bytes than a file can");
                    return null;
                }
                count *= shape[i];
            }
            if (!off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                    || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
                problems.add(where + "data_offsets must be [begin, end]");
                return null;
            }
            long b = off.get(0).asLong(), e = off.get(1).asLong();
            if (b < 0 || e < b || e > dataLen) {
                problems.add(where + "data_offsets [" + b + ", " + e + "] outside the " + dataLen + "-byte data section");
                return null;
            }
            if (e - b != count * dt.bytes) {
                problems.add(where + "data_offsets span " + (e - b) + " bytes but " + dt + " " + java.util.Arrays.toString(shape) + " needs " + count * dt.bytes);
                return null;
            }
            return new Spec(name, dt, shape, b, e);
        }
    }

    private static INDArray decode(Spec s, ByteBuffer buf) {
        int count = (int) ((s.end - s.begin) / s.dtype.bytes);
        switch (s.dtype) {
            case F64 -> {
                double[] v = new double[count];
                buf.asDoubleBuffer().get(v);
                return Nd4j.create(v, s.shape, 'c');
            }
            case F32 -> {
                float[] v = new float[count];
                buf.asFloatBuffer().get(v);
                return Nd4j.create(v, s.shape, 'c');
            }
            case F16 -> {
                float[] v = new float[count];
                for (int i = 0; i < count; i++) v[i] = halfToFloat(buf.getShort());
                return Nd4j.create(v, s.shape, 'c');
            }
            case BF16 -> {
                float[] v = new float[count];
                for (int i = 0; i < count; i++) v[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                return Nd4j.create(v, s.shape, 'c');
            }
            case I64 -> {
                long[] v = new long[count];
                buf.asLongBuffer().get(v);
                return Nd4j.createFromArray(v).reshape(s.shape);
            }
            case U8 -> {
                int[] v = new int[count];
                for (int i = 0; i < count; i++) v[i] = buf.get() & 0xff;
                return Nd4j.createFromArray(v).castTo(DataType.UBYTE).reshape(s.shape);
            }
            case BOOL -> {
                boolean[] v = new boolean[count];
                for (int i = 0; i < count; i++) v[i] = buf.get() != 0;
                return Nd4j.createFromArray(v).reshape(s.shape);
            }
            default -> {
                int[] v = new int[count];
                buf.asIntBuffer().get(v);
                return Nd4j.createFromArray(v).reshape(s.shape);
            }
        }
    }

    /** IEEE 754 binary16 → binary32 (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff, sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: mant · 2^-24
            return sign != 0 ? -v : v;
        }
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** binary32 → binary16, round to nearest even. */
    static short floatToHalf(float f) {
        int bits = Float.floatToIntBits(f), sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15, mant = bits & 0x7fffff;
        if (((bits >>> 23) & 0xff) == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        if (exp >= 31) return (short) (sign | 0x7c00);
        if (exp <= 0) {
            if (exp < -10) return (short) sign;
            mant |= 0x800000;
            int shift = 14 - exp;
            int half = mant >>> shift, rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (exp << 10) | (mant >>> 13), rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++;
        return (short) (sign | half);
    }

    /**
     * Writes tensors in the given order. Floating tensors are stored as {@code floatType} (F32, F16, BF16 or F64);
     * integer and boolean tensors keep their type (long as I64, unsigned byte as U8, bool as BOOL, other integers as I32). The header is padded with spaces to a multiple of 8 bytes, as the format allows.
     * Callers that need atomicity write to a temporary path and rename (see {@link AtomicFiles}).
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata, Dtype floatType) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        // the header first (offsets follow from shapes and types), then one tensor at a time: at most one tensor's
        // bytes are on the heap at once (a whole model's, plus its optimizer state's, used to be)
        List<Dtype> types = new ArrayList<>();
        long offset = 0;
        for (var e : tensors.entrySet()) {
            INDArray a = e.getValue();
            Dtype dt = switch (a.dataType()) {
                case LONG -> Dtype.I64;
                case UBYTE -> Dtype.U8;
                case BOOL -> Dtype.BOOL;
                default -> a.dataType().isIntType() ? Dtype.I32 : floatType;
            };
            long bytes = a.length() * dt.bytes;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dt.name());
            var shape = t.putArray("shape");
            for (long s : a.shape()) shape.add(s);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            types.add(dt);
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(h);
        while (head.position() < 8 + padded) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            int i = 0;
            for (INDArray a : tensors.values()) {
                Dtype dt = types.get(i++);
                if (dt == Dtype.F32 && a.dataType() == DataType.FLOAT && a.ordering() == 'c'
                        && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a)) {
                    writeFloats(ch, a);
                    continue;
                }
                ByteBuffer bb = ByteBuffer.wrap(encode(a, dt));
                while (bb.hasRemaining()) ch.write(bb);
            }
            ch.force(true);
        }
    }

    /**
     * A contiguous float32 tensor (also a view, such as one tensor of a policy's flat parameter buffer) straight from
     * its memory, 1 MiB at a time: no copy of the tensor on either heap. The largest tensor of GPT-2 small (the
     * 154 MB embedding) used to pass through three copies here.
     */
    private static void writeFloats(FileChannel ch, INDArray a) throws IOException {
        java.nio.FloatBuffer src = a.data().asNioFloat();
        long n = a.length(), base = a.offset();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        java.nio.FloatBuffer floats = chunk.asFloatBuffer();
        for (long done = 0; done < n; ) {
            int m = (int) Math.min(n - done, chunk.capacity() / 4);
            floats.clear();
            floats.put(src.slice((int) (base + done), m));
            chunk.clear().limit(m * 4);
            while (chunk.hasRemaining()) ch.write(chunk);
            done += m;
        }
    }

    private static byte[] encode(INDArray a, Dtype dt) {
        INDArray c = a.dup('c');
        int n = (int) c.length();
        ByteBuffer b = ByteBuffer.allocate(n * dt.bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (dt) {
            case F64 -> { for (double v : c.castTo(DataType.DOUBLE).data().asDouble()) b.putDouble(v); }
            case F32 -> { for (float v : c.castTo(DataType.FLOAT).data().asFloat()) b.putFloat(v); }
            case F16 -> { for (float v : c.castTo(DataType.FLOAT).data().asFloat()) b.putShort(floatToHalf(v)); }
            case BF16 -> {
                for (float v : c.castTo(DataType.FLOAT).data().asFloat()) {
                    int bits = Float.floatToIntBits(v);
                    int rounded = bits + 0x7fff + ((bits >>> 16) & 1); // round to nearest even
                    b.putShort((short) (Float.isNaN(v) ? 0x7fc0 : rounded >>> 16));
                }
            }
            case I64 -> { for (long v : c.data().asLong()) b.putLong(v); }
            case I32 -> { for (int v : c.data().asInt()) b.putInt(v); }
            case U8 -> { for (int v : c.castTo(DataType.INT).data().asInt()) b.put((byte) v); }
            case BOOL -> { for (int v : c.castTo(DataType.INT).data().asInt()) b.put((byte) (v != 0 ? 1 : 0)); }
        }
        return b.array();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }
}
