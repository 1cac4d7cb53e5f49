package org.rlhf4j.data.validate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a JSON Lines file line by line and collects every problem in it, never stopping at the first:
 * <ul>
 *   <li>bytes: invalid UTF-8, a byte-order mark, a line over the byte limit (CRLF endings are fine);</li>
 *   <li>lines: blank lines, text that is not one JSON object (syntax errors, trailing text, duplicate keys);</li>
 *   <li>records: the kind's parser checks types, missing and unknown fields and the record's own rules.</li>
 * </ul>
 * The kind is given, or told from the first JSON object's fields. Instances hold only settings and may be shared.
 */
public final class JsonlValidator {
    /** 1 MiB: longer lines are reported, not read. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final int maxLineBytes;
    private final ObjectMapper mapper;

    public JsonlValidator() {
        this(DEFAULT_MAX_LINE_BYTES);
    }

    /** @param maxLineBytes longest line accepted, in bytes without the line ending */
    public JsonlValidator(int maxLineBytes) {
        if (maxLineBytes < 1) throw new IllegalArgumentException("maxLineBytes must be >= 1, got " + maxLineBytes);
        this.maxLineBytes = maxLineBytes;
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength(Math.max(maxLineBytes, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                        .build())
                .build();
        this.mapper = JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    }

    public int maxLineBytes() {
        return maxLineBytes;
    }

    /** Validates a file (path or "embedded:NAME") as {@code kind}, or as the kind its first record shows when empty. */
    public ValidationReport validate(String spec, Optional<DataKind> kind) {
        return run(new DataSpec(spec), kind.orElse(null), kind.map(DataKind::newParser).orElse(null), kind.isPresent());
    }

    /**
     * Validates a file with a parser for a form that is not one of the data kinds (the conversion sources), whose
     * records are of {@code recordsKind}'s type.
     */
    public ValidationReport validate(String spec, RecordParser<?> parser, DataKind recordsKind) {
        return run(new DataSpec(spec), recordsKind, parser, false);
    }

    /** Per-file state: the problems so far and the parser once the kind is known. */
    private static final class Run {
        final String file;
        final List<Problem> problems = new ArrayList<>();
        final List<Object> records = new ArrayList<>();
        DataKind kind;
        RecordParser<?> parser;
        boolean kindGiven;
        boolean kindChecked;
        boolean stopRecords;

        Run(String file) {
            this.file = file;
        }

        void problem(int line, String message) {
            problems.add(new Problem(file, line, message));
        }
    }

    private ValidationReport run(DataSpec spec, DataKind kind, RecordParser<?> parser, boolean kindGiven) {
        Run run = new Run(spec.spec());
        run.kindGiven = kindGiven;
        run.kind = kind;
        run.parser = parser;
        int lineNo = 0;
        try (InputStream in = spec.open()) {
            LineReader reader = new LineReader(in, maxLineBytes);
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            try {
                for (LineReader.Line line = reader.next(); line != null; line = reader.next()) {
                    lineNo++;
                    if (lineNo == 1 && startsWithUtf16Bom(line)) {
                        run.problem(1, "the file starts with a UTF-16 byte-order mark; JSON Lines files must be UTF-8"
                                + " (save it as UTF-8 without a byte-order mark)");
                        return report(run);
                    }
                    checkLine(run, lineNo, line, decoder);
                }
            } catch (IOException e) {
                run.problem(lineNo + 1, "cannot read line " + (lineNo + 1) + ": " + describe(e)
                        + (spec.gzipped() ? " (is the .gz file cut off or damaged?)" : ""));
            }
        } catch (FileNotFoundException e) {
            run.problem(0, e.getMessage());
        } catch (IOException e) {
            run.problem(0, "cannot read: " + describe(e));
        }
        if (lineNo == 0 && run.problems.isEmpty()) run.problem(0, "the file is empty (no records)");
        return report(run);
    }

    private static ValidationReport report(Run run) {
        return new ValidationReport(run.file, Optional.ofNullable(run.kind), run.records, run.problems);
    }

    private void checkLine(Run run, int lineNo, LineReader.Line line, CharsetDecoder decoder) {
        int offset = 0;
        if (startsWith(line, UTF8_BOM)) {
            run.problem(lineNo, "the line starts with a UTF-8 byte-order mark (BOM); JSON Lines files must not have one"
                    + " (save the file as UTF-8 without BOM)");
            offset = UTF8_BOM.length;
        }
        if (line.size() > maxLineBytes) {
            run.problem(lineNo, "the line is " + line.size() + " bytes long, over the limit of " + maxLineBytes + " bytes");
            return;
        }
        String text = decode(run, lineNo, line, offset, decoder);
        if (text == null) return;
        if (text.isBlank()) {
            run.problem(lineNo, "blank line");
            return;
        }
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            run.problem(lineNo, "not valid JSON" + column(e.getLocation()) + ": " + jsonError(e));
            return;
        }
        if (!node.isObject()) {
            run.problem(lineNo, "expected a JSON object, found " + JsonFields.describe(node));
            return;
        }
        ObjectNode object = (ObjectNode) node;
        if (!run.kindChecked) {
            run.kindChecked = true;
            chooseKind(run, lineNo, object);
        }
        if (run.stopRecords || run.parser == null) return;
        List<String> messages = new ArrayList<>();
        Object record = run.parser.parse(object, lineNo, messages);
        for (String m : messages) run.problem(lineNo, m);
        if (messages.isEmpty() && record != null) run.records.add(record);
    }

    /**
     * Settles the kind at the first JSON object. With no kind given, its fields decide; with a kind given, a first
     * record that is plainly another kind stops record checks, rather than reporting every field of every line.
     */
    private static void chooseKind(Run run, int lineNo, ObjectNode first) {
        Set<String> fields = new HashSet<>();
        first.fieldNames().forEachRemaining(fields::add);
        DataKind.Detection detected = DataKind.detect(fields);
        if (run.parser == null) {
            if (detected.kind().isPresent()) {
                run.kind = detected.kind().get();
                run.parser = run.kind.newParser();
            } else {
                run.problem(lineNo, detected.problem());
                run.stopRecords = true;
            }
        } else if (run.kindGiven && detected.kind().isPresent() && detected.kind().get() != run.kind) {
            run.problem(lineNo, "expected " + run.kind.wireName() + " data, but the fields " + new TreeSet<>(fields)
                    + " are " + detected.kind().get().wireName() + " data; records were not checked further");
            run.stopRecords = true;
        }
    }

    private static String decode(Run run, int lineNo, LineReader.Line line, int offset, CharsetDecoder decoder) {
        ByteBuffer in = ByteBuffer.wrap(line.bytes(), offset, line.length() - offset);
        CharBuffer out = CharBuffer.allocate(line.length() - offset);
        decoder.reset();
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) r = decoder.flush(out);
        if (r.isError()) {
            int at = in.position();
            StringBuilder bytes = new StringBuilder();
            for (int i = 0; i < r.length(); i++) bytes.append(String.format(" 0x%02X", line.bytes()[at + i] & 0xFF));
            run.problem(lineNo, "invalid UTF-8 at byte " + (at + 1) + " of the line (" + bytes.toString().trim()
                    + "); the file must be UTF-8 (was it saved as Latin-1 or Windows-1252?)");
            return null;
        }
        out.flip();
        return out.toString();
    }

    private static boolean startsWith(LineReader.Line line, byte[] prefix) {
        if (line.length() < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (line.bytes()[i] != prefix[i]) return false;
        return true;
    }

    private static boolean startsWithUtf16Bom(LineReader.Line line) {
        return startsWith(line, new byte[] {(byte) 0xFF, (byte) 0xFE}) || startsWith(line, new byte[] {(byte) 0xFE, (byte) 0xFF});
    }

    private static String column(JsonLocation at) {
        return at == null || at.getColumnNr() < 1 ? "" : " at column " + at.getColumnNr();
    }

    /** Jackson's message, on one line, without its internal class and feature names. */
    private static String jsonError(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().replaceAll("\\s+", " ").trim();
        if (m.startsWith("Trailing token")) return "more text follows the JSON object (one object per line)";
        if (m.startsWith("Duplicate field")) return m.replace("Duplicate field", "the field") + " appears twice";
        int source = m.indexOf(" (start marker at [Source");
        return source < 0 ? m : m.substring(0, source);
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
