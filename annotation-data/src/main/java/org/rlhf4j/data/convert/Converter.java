package org.rlhf4j.data.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.HhTranscript;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.PairRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.format.RecordJson;
import org.rlhf4j.data.validate.DataKind;
import org.rlhf4j.data.validate.InvalidDataException;
import org.rlhf4j.data.validate.JsonlValidator;
import org.rlhf4j.data.validate.Problem;
import org.rlhf4j.data.validate.RecordParser;
import org.rlhf4j.data.validate.ValidationReport;

/**
 * Converts the forms other tools use into this project's data kinds: pairwise preferences into K=2 rankings (chosen
 * ranked first, annotator "imported") and prompt-completion or HH text into SFT dialogues. The input is validated
 * like any data file, every output line is checked by the target kind's parser, and the output is written atomically;
 * if anything is wrong nothing is written. What {@code rlhf4j convert --from FORM --to KIND IN OUT} runs.
 */
public final class Converter {
    /** The annotator name given to rankings made from imported pairs. */
    public static final String IMPORTED = "imported";

    /** Conversion succeeded. */
    public static final int OK = 0;
    /** The input had problems; nothing was written. */
    public static final int PROBLEMS = 1;
    /** The command was called wrongly (unknown form or kind, or a pair of them that does not go together). */
    public static final int USAGE = 2;

    private final JsonlValidator validator;

    public Converter() {
        this(new JsonlValidator());
    }

    public Converter(JsonlValidator validator) {
        this.validator = validator;
    }

    /**
     * Reads {@code in} (a path or embedded:NAME) in form {@code from} and writes {@code out} as {@code to}.
     *
     * @return the number of records written
     * @throws IllegalArgumentException when {@code from} does not convert to {@code to}
     * @throws InvalidDataException     listing every problem of the input; nothing is written
     */
    public int convert(SourceForm from, DataKind to, String in, Path out) throws IOException {
        if (from.target() != to)
            throw new IllegalArgumentException("--from " + from.wireName() + " converts to " + from.target().wireName()
                    + ", not " + to.wireName());
        ValidationReport report = validator.validate(in, from.newParser(), from == SourceForm.PAIRS ? DataKind.PAIRS : to);
        if (!report.valid()) throw new InvalidDataException(report.problems());
        List<?> converted = convertRecords(from, report.records());
        checkOutput(out.toString(), to, converted);
        JsonlWriter.write(out, converted);
        return converted.size();
    }

    /** The records of form {@code from}, as validated, in the target kind. */
    public static List<?> convertRecords(SourceForm from, List<?> records) {
        return switch (from) {
            case PAIRS -> records.stream().map(r -> toRanking((PairRecord) r)).toList();
            case PROMPT_COMPLETION, HH_TEXT -> records.stream().map(Dialogue.class::cast).toList();
        };
    }

    /**
     * A pair as a K=2 ranking: responses [chosen, rejected], ranking [0, 1], annotator "imported". A single-turn
     * prompt is its user message; a longer conversation is written as transcript text (see {@link #promptText}).
     */
    public static Ranking toRanking(PairRecord pair) {
        return new Ranking(promptText(pair.prompt()), List.of(pair.chosen(), pair.rejected()), List.of(0, 1), IMPORTED);
    }

    /**
     * The single string a ranking holds for a prompt: the user's message when the prompt is one user message, else
     * the conversation as "Human: ...\n\nAssistant: ...\n\nHuman: ..." text ({@link HhTranscript#render}).
     */
    public static String promptText(List<Message> prompt) {
        return prompt.size() == 1 ? prompt.get(0).content() : HhTranscript.render(prompt);
    }

    /** Every converted record, written out, must read back through the target kind's parser. */
    private static void checkOutput(String file, DataKind to, List<?> records) {
        RecordParser<?> parser = to.newParser();
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            ObjectNode json = RecordJson.toJson(records.get(i));
            List<String> messages = new ArrayList<>();
            parser.parse(json, i + 1, messages);
            for (String m : messages) problems.add(new Problem(file, i + 1, "converted record does not validate: " + m));
        }
        if (!problems.isEmpty()) throw new InvalidDataException(problems);
    }

    /**
     * The command: converts and prints one summary line, or prints every problem.
     *
     * @return {@link #OK}, {@link #PROBLEMS} or {@link #USAGE}
     */
    public int run(String from, String to, String in, String out, PrintStream messages) {
        SourceForm form;
        DataKind kind;
        try {
            form = SourceForm.fromWireName(from);
            kind = DataKind.fromWireName(to);
            if (form.target() != kind) throw new IllegalArgumentException("--from " + form.wireName() + " converts to "
                    + form.target().wireName() + ", not " + kind.wireName());
        } catch (IllegalArgumentException e) {
            messages.println("convert: " + e.getMessage());
            return USAGE;
        }
        try {
            int n = convert(form, kind, in, Path.of(out));
            messages.println(in + ": converted " + n + " " + kind.recordNoun() + " from " + form.wireName() + " to " + out);
            return OK;
        } catch (InvalidDataException e) {
            e.problems().forEach(messages::println);
            messages.println(in + ": " + e.problems().size() + " problem(s); nothing written to " + out);
            return PROBLEMS;
        } catch (IOException e) {
            messages.println("convert: cannot write " + out + ": " + e.getMessage());
            return PROBLEMS;
        }
    }
}
