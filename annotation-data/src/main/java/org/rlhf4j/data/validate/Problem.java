package org.rlhf4j.data.validate;

/**
 * One thing wrong with a data file, at a line of it.
 *
 * @param file    the file as the user named it (a path, or "embedded:NAME")
 * @param line    1-based line number (of the decompressed text for .gz files); 0 for the file as a whole
 * @param message what is wrong, naming the field
 */
public record Problem(String file, int line, String message) {

    /** {@code FILE:LINE: message}, or {@code FILE: message} for a problem with the whole file. */
    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }
}
