package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Reads one JSON object (one line) into a typed record, checking types, missing and unknown fields, and the record's
 * own rules. A parser may remember earlier lines of the same file (to catch duplicate ids), so use one per file.
 *
 * @param <T> the record type
 */
public interface RecordParser<T> {

    /**
     * @param object   the line's JSON object
     * @param line     its 1-based line number, for messages that point back at an earlier line
     * @param problems where to append what is wrong (one message per problem, without file and line)
     * @return the record, or null when any problem was appended
     */
    T parse(ObjectNode object, int line, List<String> problems);
}
