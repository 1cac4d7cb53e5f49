package org.rlhf4j.sft;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.policy.tokenizer.ChatTemplate;
import org.rlhf4j.policy.tokenizer.Tokenizer;

/**
 * Turns data records into {@link Example}s and packs examples into rows. All preprocessing happens here, in the open,
 * before training: nothing is dropped silently (over-long dialogues are truncated and counted, and the count is
 * reported in the summary).
 */
public final class LmExamples {
    private LmExamples() {}

    /** Examples plus how many records had to be cut to fit the sequence length. */
    public record Prepared(List<Example> examples, int truncated) {}

    /** Pretraining: BOS + text + EOS, cut into windows of at most {@code seqLen} tokens, every token a target. */
    public static Prepared fromDocuments(List<PretrainDoc> docs, Tokenizer tok, int seqLen) {
        List<Example> out = new ArrayList<>();
        int cut = 0;
        for (PretrainDoc d : docs) {
            int[] text = tok.encode(d.text());
            int[] ids = new int[text.length + 2];
            ids[0] = tok.bos();
            System.arraycopy(text, 0, ids, 1, text.length);
            ids[ids.length - 1] = tok.eos();
            if (ids.length > seqLen) cut++;
            for (int from = 0; from < ids.length - 1; from += seqLen) {
                int[] w = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + seqLen));
                if (w.length < 2) continue;
                boolean[] train = new boolean[w.length];
                Arrays.fill(train, 1, w.length, true);
                out.add(new Example(w, train));
            }
        }
        return new Prepared(out, cut);
    }

    /** SFT: the chat template's rendering, training only on assistant tokens (and the EOS closing each turn). */
    public static Prepared fromDialogues(List<Dialogue> dialogues, ChatTemplate chat, int seqLen) {
        List<Example> out = new ArrayList<>();
        int cut = 0;
        for (Dialogue d : dialogues) {
            ChatTemplate.Rendered r = chat.render(toChat(d.messages()));
            int[] ids = r.ids();
            boolean[] mask = r.assistantMask();
            if (ids.length > seqLen) {
                cut++;
                ids = Arrays.copyOf(ids, seqLen);
                mask = Arrays.copyOf(mask, seqLen);
            }
            out.add(new Example(ids, mask));
        }
        return new Prepared(out, cut);
    }

    public static List<ChatTemplate.Message> toChat(List<Message> messages) {
        List<ChatTemplate.Message> m = new ArrayList<>();
        for (Message x : messages) m.add(new ChatTemplate.Message(x.role().wireName(), x.content()));
        return m;
    }

    /** Greedy first-fit packing of examples (in the given order) into rows of at most {@code seqLen} tokens. */
    public static List<List<Example>> pack(List<Example> examples, int seqLen) {
        List<List<Example>> rows = new ArrayList<>();
        List<Integer> used = new ArrayList<>();
        for (Example e : examples) {
            int placed = -1;
            for (int r = Math.max(0, rows.size() - 8); r < rows.size(); r++) {
                if (used.get(r) + e.ids().length <= seqLen) {
                    placed = r;
                    break;
                }
            }
            if (placed < 0) {
                rows.add(new ArrayList<>());
                used.add(0);
                placed = rows.size() - 1;
            }
            rows.get(placed).add(e);
            used.set(placed, used.get(placed) + e.ids().length);
        }
        return rows;
    }
}
