package org.rlhf4j.data.format;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One document of pretraining text: {@code {"text": "...", "source": "..."}}.
 *
 * @param text   the document; never blank
 * @param source where it came from (a corpus name, a URL); null when not given
 */
public record PretrainDoc(String text, String source) {

    public PretrainDoc {
        Objects.requireNonNull(text, "text");
        FieldChecks.throwIfAny("pretraining document", problems(text, source));
    }

    public PretrainDoc(String text) {
        this(text, null);
    }

    /** What is wrong with these field values; a null required field is reported as missing. */
    public static List<String> problems(String text, String source) {
        List<String> p = new ArrayList<>();
        FieldChecks.required(p, "text", text);
        FieldChecks.optional(p, "source", source);
        return p;
    }
}
