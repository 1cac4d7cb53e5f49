package org.rlhf4j.data.convert;

import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.rlhf4j.data.validate.DataKind;
import org.rlhf4j.data.validate.RecordParser;

/** The outside forms {@code rlhf4j convert --from FORM} reads, each with the one data kind it converts to. */
public enum SourceForm {
    /** Pairwise preferences (TRL standard or conversational, HH transcripts), to K=2 rankings. */
    PAIRS("pairs", DataKind.RANKINGS, () -> DataKind.PAIRS.newParser()),
    /** TRL prompt-completion SFT data ({"prompt", "completion"}, strings or message lists), to dialogues. */
    PROMPT_COMPLETION("prompt-completion", DataKind.SFT, PromptCompletionParser::new),
    /** Single HH transcripts ({"text": "\n\nHuman: ...\n\nAssistant: ..."}), to dialogues. */
    HH_TEXT("hh-text", DataKind.SFT, HhTextParser::new);

    private final String wireName;
    private final DataKind target;
    private final Supplier<RecordParser<?>> parsers;

    SourceForm(String wireName, DataKind target, Supplier<RecordParser<?>> parsers) {
        this.wireName = wireName;
        this.target = target;
        this.parsers = parsers;
    }

    /** The name used with --from. */
    public String wireName() {
        return wireName;
    }

    /** The data kind this form converts to. */
    public DataKind target() {
        return target;
    }

    /** A fresh strict parser for one input file. */
    RecordParser<?> newParser() {
        return parsers.get();
    }

    /** The form named {@code name}; the exception lists the valid names. */
    public static SourceForm fromWireName(String name) {
        for (SourceForm f : values()) if (f.wireName.equals(name)) return f;
        throw new IllegalArgumentException("unknown source form \"" + name + "\"; expected one of "
                + Arrays.stream(values()).map(SourceForm::wireName).collect(Collectors.joining(", ")));
    }
}
