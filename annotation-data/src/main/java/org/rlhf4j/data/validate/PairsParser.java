package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.rlhf4j.data.format.HhTranscript;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.PairRecord;
import org.rlhf4j.data.format.Role;

/**
 * Reads pairwise preferences in any of the forms users bring (see {@link PairRecord}), telling the form from the
 * field types on each line:
 * <ul>
 *   <li>"prompt" a string: TRL standard form; a prompt written as an HH transcript ("\n\nHuman: ... \n\nAssistant:")
 *       is read into its turns, and then the replies are trimmed like HH turns;</li>
 *   <li>"prompt" a list of messages: TRL conversational form; "chosen" and "rejected" each one assistant message;</li>
 *   <li>no "prompt", "chosen" and "rejected" strings: HH transcripts;</li>
 *   <li>no "prompt", "chosen" and "rejected" lists of messages: conversations sharing all but their last message.</li>
 * </ul>
 */
final class PairsParser implements RecordParser<PairRecord> {

    /** What the form-specific readers produce; any field may be null after a problem. */
    private record Parts(List<Message> prompt, String chosen, String rejected) {}

    @Override
    public PairRecord parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("prompt", "chosen", "rejected");
        JsonNode prompt = f.get("prompt");
        Parts parts;
        if (prompt == null) parts = withoutPrompt(f, problems);
        else if (prompt.isTextual()) parts = standard(f, prompt.textValue(), problems);
        else if (prompt.isArray()) parts = conversational(f, problems);
        else {
            problems.add("\"prompt\" must be a string or a list of messages, found " + JsonFields.describe(prompt));
            parts = new Parts(null, null, null);
        }
        problems.addAll(PairRecord.problems(parts.prompt(), parts.chosen(), parts.rejected()));
        if (problems.size() > before) return null;
        return new PairRecord(parts.prompt(), parts.chosen(), parts.rejected());
    }

    private static Parts standard(JsonFields f, String prompt, List<String> problems) {
        String chosen = f.requiredText("chosen");
        String rejected = f.requiredText("rejected");
        List<Message> messages = null;
        if (prompt.isBlank()) problems.add("\"prompt\" is empty");
        else if (HhTranscript.looksLikeTranscript(prompt)) {
            // The replies of an HH-style prompt follow "Assistant:" and carry its space: trim them as HH turns are.
            messages = HhTranscript.parsePrompt("prompt", prompt, problems);
            chosen = chosen == null ? null : chosen.strip();
            rejected = rejected == null ? null : rejected.strip();
        } else {
            messages = List.of(Message.user(prompt));
        }
        return new Parts(messages, chosen, rejected);
    }

    private static Parts conversational(JsonFields f, List<String> problems) {
        List<Message> prompt = f.messages("prompt", true);
        return new Parts(prompt, singleReply(f, "chosen", problems), singleReply(f, "rejected", problems));
    }

    private static String singleReply(JsonFields f, String field, List<String> problems) {
        List<Message> reply = f.messages(field, true);
        if (reply == null) return null;
        if (reply.size() != 1 || reply.get(0).role() != Role.ASSISTANT) {
            problems.add("\"" + field + "\" must hold exactly one \"assistant\" message when \"prompt\" is a list of messages, found "
                    + reply.size() + " message(s)" + (reply.isEmpty() ? "" : " starting with \"" + reply.get(0).role().wireName() + "\""));
            return null;
        }
        return reply.get(0).content();
    }

    private static Parts withoutPrompt(JsonFields f, List<String> problems) {
        JsonNode chosen = f.get("chosen"), rejected = f.get("rejected");
        if (chosen == null || rejected == null) {
            if (chosen == null) problems.add("missing field \"chosen\"");
            if (rejected == null) problems.add("missing field \"rejected\"");
            return new Parts(null, null, null);
        }
        if (chosen.isTextual() && rejected.isTextual()) return transcripts(chosen.textValue(), rejected.textValue(), problems);
        if (chosen.isArray() && rejected.isArray()) return conversations(f, problems);
        problems.add("without a \"prompt\", \"chosen\" and \"rejected\" must both be HH transcripts (strings) or both lists"
                + " of messages; found " + JsonFields.describe(chosen) + " and " + JsonFields.describe(rejected));
        return new Parts(null, null, null);
    }

    private static Parts transcripts(String chosen, String rejected, List<String> problems) {
        HhTranscript.PairParts split = HhTranscript.splitPair(chosen, rejected, problems);
        if (split == null) return new Parts(null, null, null);
        List<Message> prompt = HhTranscript.parsePrompt("chosen", split.promptTranscript(), problems);
        return new Parts(prompt, split.chosen(), split.rejected());
    }

    private static Parts conversations(JsonFields f, List<String> problems) {
        List<Message> chosen = f.messages("chosen", true), rejected = f.messages("rejected", true);
        if (chosen == null || rejected == null) return new Parts(null, null, null);
        if (chosen.equals(rejected)) {
            problems.add("\"chosen\" and \"rejected\" are identical");
            return new Parts(null, null, null);
        }
        int common = 0;
        while (common < chosen.size() && common < rejected.size() && chosen.get(common).equals(rejected.get(common))) common++;
        boolean chosenOk = endsWithOneReply("chosen", chosen, common, problems);
        boolean rejectedOk = endsWithOneReply("rejected", rejected, common, problems);
        if (!chosenOk || !rejectedOk) return new Parts(null, null, null);
        return new Parts(chosen.subList(0, common), chosen.get(common).content(), rejected.get(common).content());
    }

    /** Whether {@code conversation} has exactly one assistant message after the {@code common} shared ones. */
    private static boolean endsWithOneReply(String field, List<Message> conversation, int common, List<String> problems) {
        List<Message> tail = conversation.subList(common, conversation.size());
        if (tail.size() == 1 && tail.get(0).role() == Role.ASSISTANT) return true;
        problems.add("\"" + field + "\" must end with exactly one \"assistant\" message after the " + common
                + " message(s) both replies share; it has " + tail.size() + " more"
                + (tail.isEmpty() ? "" : ", starting with \"" + tail.get(0).role().wireName() + "\""));
        return false;
    }
}
