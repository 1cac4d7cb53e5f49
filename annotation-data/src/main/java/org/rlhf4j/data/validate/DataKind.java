package org.rlhf4j.data.validate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.PairRecord;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;

/** The six kinds of JSON Lines data files, each with its record type and a strict parser. */
public enum DataKind {
    PRETRAIN("pretrain", "pretraining documents", PretrainDoc.class, PretrainParser::new),
    PROMPTS("prompts", "prompts", PromptRecord.class, PromptsParser::new),
    SFT("sft", "dialogues", Dialogue.class, SftParser::new),
    RANKINGS("rankings", "rankings", Ranking.class, RankingsParser::new),
    PAIRS("pairs", "preference pairs", PairRecord.class, PairsParser::new),
    CANDIDATES("candidates", "candidates", Candidates.class, CandidatesParser::new),
    CLOZE("cloze", "cloze items", org.rlhf4j.data.format.ClozeItem.class, ClozeParser::new);

    private final String wireName;
    private final String recordNoun;
    private final Class<?> recordType;
    private final Supplier<RecordParser<?>> parsers;

    DataKind(String wireName, String recordNoun, Class<?> recordType, Supplier<RecordParser<?>> parsers) {
        this.wireName = wireName;
        this.recordNoun = recordNoun;
        this.recordType = recordType;
        this.parsers = parsers;
    }

    /** The name used on the command line ({@code --kind rankings}). */
    public String wireName() {
        return wireName;
    }

    /** What its records are called in messages ("12 dialogues"). */
    public String recordNoun() {
        return recordNoun;
    }

    /** The record class its parser produces. */
    public Class<?> recordType() {
        return recordType;
    }

    /** A fresh parser, for one file. */
    public RecordParser<?> newParser() {
        return parsers.get();
    }

    /** The kind named {@code name} on the command line; the exception lists the valid names. */
    public static DataKind fromWireName(String name) {
        for (DataKind k : values()) if (k.wireName.equals(name)) return k;
        throw new IllegalArgumentException("unknown data kind \"" + name + "\"; expected one of "
                + Arrays.stream(values()).map(DataKind::wireName).collect(Collectors.joining(", ")));
    }

    /**
     * The outcome of telling a file's kind from the field names of its first JSON object.
     *
     * @param kind    the kind, when exactly one fits
     * @param problem why none could be chosen, when none fits or several do
     */
    public record Detection(Optional<DataKind> kind, String problem) {}

    /**
     * Tells the kind from the field names of one record: "messages" means sft, "ranking" (or "responses" with
     * "annotator") rankings, "responses" without "ranking" and "annotator" candidates, "chosen" or "rejected" pairs,
     * otherwise "prompt" prompts and "text" pretraining text.
     */
    public static Detection detect(Set<String> fields) {
        boolean sft = fields.contains("messages");
        boolean rankings = fields.contains("ranking") || fields.contains("responses") && fields.contains("annotator");
        boolean candidates = fields.contains("responses") && !rankings;
        boolean pairs = fields.contains("chosen") || fields.contains("rejected");
        boolean prompts = fields.contains("prompt") && !rankings && !candidates && !pairs;
        boolean pretrain = fields.contains("text");
        boolean cloze = fields.contains("context") && fields.contains("candidates");
        String seen = "{" + String.join(", ", new TreeSet<>(fields)) + "}";
        if (fields.contains("completion") && !sft && !rankings && !candidates && !pairs)
            return new Detection(Optional.empty(), "fields " + seen + " are TRL prompt-completion data, which is not one"
                    + " of the data kinds; convert it to sft first: rlhf4j convert --from prompt-completion --to sft IN OUT");
        List<DataKind> fit = new ArrayList<>();
        if (pretrain) fit.add(PRETRAIN);
        if (prompts) fit.add(PROMPTS);
        if (sft) fit.add(SFT);
        if (rankings) fit.add(RANKINGS);
        if (pairs) fit.add(PAIRS);
        if (candidates) fit.add(CANDIDATES);
        if (cloze) fit.add(CLOZE);
        if (fit.size() == 1) return new Detection(Optional.of(fit.get(0)), null);
        if (fit.isEmpty())
            return new Detection(Optional.empty(), "cannot tell the data kind from the fields " + seen + ": expected \"text\""
                    + " (pretrain), \"prompt\" (prompts), \"messages\" (sft), \"responses\" and \"ranking\" (rankings),"
                    + " \"chosen\" and \"rejected\" (pairs), \"responses\" alone (candidates) or \"context\" and \"candidates\" (cloze);"
                    + " or name the kind (--kind)");
        return new Detection(Optional.empty(), "the fields " + seen + " fit more than one data kind ("
                + fit.stream().map(DataKind::wireName).collect(Collectors.joining(", ")) + "); name the kind (--kind)");
    }
}
