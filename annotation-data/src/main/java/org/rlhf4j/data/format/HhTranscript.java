package org.rlhf4j.data.format;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Anthropic HH-RLHF's transcript text, {@code "\n\nHuman: ...\n\nAssistant: ..."}: reading it into messages,
 * splitting a chosen/rejected pair of transcripts into prompt and replies, and writing messages back in that style.
 * Turn contents are trimmed of surrounding whitespace. A transcript that starts with "Human:" (without the leading
 * blank line, as some re-exports have it) is read the same way.
 */
public final class HhTranscript {
    public static final String HUMAN = "\n\nHuman:";
    public static final String ASSISTANT = "\n\nAssistant:";
    private static final Pattern MARKER = Pattern.compile("\n\n(Human|Assistant):");

    private HhTranscript() {}

    /** The prompt and the two replies of a pair of transcripts that differ only in their last assistant turn. */
    public record PairParts(String promptTranscript, String chosen, String rejected) {}

    /** Whether {@code text} is written in the transcript style (starts with a Human turn). */
    public static boolean looksLikeTranscript(String text) {
        return text.startsWith(HUMAN) || text.startsWith("Human:");
    }

    private static String normalise(String text) {
        return text.startsWith("Human:") ? "\n\n" + text : text;
    }

    /**
     * Reads a transcript into messages (Human is "user", Assistant is "assistant"). Problems are appended to
     * {@code problems} with {@code field} in each; the messages read so far are returned either way.
     */
    public static List<Message> parse(String field, String transcript, List<String> problems) {
        String t = normalise(transcript);
        List<Message> out = new ArrayList<>();
        Matcher m = MARKER.matcher(t);
        if (!m.find()) {
            problems.add("\"" + field + "\" has no \"\\n\\nHuman:\" or \"\\n\\nAssistant:\" turns");
            return out;
        }
        if (!t.substring(0, m.start()).isBlank())
            problems.add("\"" + field + "\" has text before its first \"\\n\\nHuman:\" turn");
        int turn = 0;
        boolean more = true;
        while (more) {
            Role role = m.group(1).equals("Human") ? Role.USER : Role.ASSISTANT;
            String marker = m.group(1);
            int start = m.end();
            more = m.find();
            String content = t.substring(start, more ? m.start() : t.length()).strip();
            if (content.isEmpty()) problems.add("\"" + field + "\" turn " + turn + " (" + marker + ") is empty");
            else out.add(new Message(role, content));
            turn++;
        }
        return out;
    }

    /**
     * Reads a prompt transcript, which must end with "\n\nAssistant:" (the reply's marker, trailing whitespace
     * allowed), into the messages before that marker.
     */
    public static List<Message> parsePrompt(String field, String prompt, List<String> problems) {
        String t = normalise(prompt).stripTrailing();
        if (!t.endsWith(ASSISTANT)) {
            problems.add("\"" + field + "\" is an HH transcript but does not end with \"\\n\\nAssistant:\"");
            return List.of();
        }
        return parse(field, t.substring(0, t.length() - ASSISTANT.length()), problems);
    }

    /**
     * Splits two transcripts into their shared prompt (the common prefix up to and including the last
     * "\n\nAssistant:") and the two replies after it. Returns null, with a problem appended, when they share no
     * assistant turn; a reply that goes on with another turn is also reported.
     */
    public static PairParts splitPair(String chosen, String rejected, List<String> problems) {
        String c = normalise(chosen), r = normalise(rejected);
        int common = 0;
        while (common < c.length() && common < r.length() && c.charAt(common) == r.charAt(common)) common++;
        int marker = common < ASSISTANT.length() ? -1 : c.lastIndexOf(ASSISTANT, common - ASSISTANT.length());
        if (marker < 0) {
            problems.add("\"chosen\" and \"rejected\" do not share a prefix ending in \"\\n\\nAssistant:\","
                    + " so the prompt cannot be told apart from the replies");
            return null;
        }
        int cut = marker + ASSISTANT.length();
        PairParts parts = new PairParts(c.substring(0, cut), c.substring(cut).strip(), r.substring(cut).strip());
        checkSingleReply("chosen", parts.chosen(), problems);
        checkSingleReply("rejected", parts.rejected(), problems);
        return parts;
    }

    private static void checkSingleReply(String field, String reply, List<String> problems) {
        if (reply.contains(HUMAN) || reply.contains(ASSISTANT))
            problems.add("\"" + field + "\" goes on after its reply with another \"\\n\\nHuman:\" or \"\\n\\nAssistant:\" turn");
    }

    /**
     * Writes messages as plain transcript text, {@code "Human: a\n\nAssistant: b\n\nHuman: c"} (a system message
     * becomes "System: ..."): how a conversation of several turns is put into a ranking's single-string prompt.
     */
    public static String render(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            if (!sb.isEmpty()) sb.append("\n\n");
            sb.append(switch (m.role()) {
                case SYSTEM -> "System: ";
                case USER -> "Human: ";
                case ASSISTANT -> "Assistant: ";
            }).append(m.content());
        }
        return sb.toString();
    }
}
