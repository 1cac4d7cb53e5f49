package org.rlhf4j.policy.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The one chat template: {@code BOS <|system|>\n…\n <|user|>\n…\n <|assistant|>\n… EOS <|user|>\n…}. Each piece is
 * encoded on its own and concatenated, so the template knows exactly which ids belong to assistant turns (their
 * content and the EOS that closes them) without mapping character offsets, and a prompt rendered for generation is
 * the same id prefix as the training dialogue.
 */
public final class ChatTemplate {
    public static final String SYSTEM = "system", USER = "user", ASSISTANT = "assistant";

    /** One turn of a dialogue. */
    public record Message(String role, String content) {
        public Message {
            if (!SYSTEM.equals(role) && !USER.equals(role) && !ASSISTANT.equals(role))
                throw new IllegalArgumentException("role: expected system, user or assistant, got " + role);
        }
    }

    /** Token ids and, for each id, whether it is assistant output (the part SFT trains on). */
    public record Rendered(int[] ids, boolean[] assistantMask) {
        public int assistantTokens() {
            int n = 0;
            for (boolean b : assistantMask) if (b) n++;
            return n;
        }
    }

    private final Tokenizer tokenizer;

    public ChatTemplate(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public static String header(String role) {
        return "<|" + role + "|>\n";
    }

    /** Renders a whole dialogue; every assistant turn is closed by EOS and marked in the mask. */
    public Rendered render(List<Message> messages) {
        Builder b = new Builder();
        b.add(new int[] {tokenizer.bos()}, false);
        for (Message m : messages) {
            b.add(tokenizer.encode(header(m.role())), false);
            if (ASSISTANT.equals(m.role())) {
                b.add(tokenizer.encode(m.content()), true);
                b.add(new int[] {tokenizer.eos()}, true);
            } else {
                b.add(tokenizer.encode(m.content() + "\n"), false);
            }
        }
        return b.build();
    }

    /** The prefix a model continues to answer: the dialogue so far followed by the assistant header. */
    public int[] renderPrompt(List<Message> messagesSoFar) {
        Rendered r = render(messagesSoFar);
        int[] header = tokenizer.encode(header(ASSISTANT));
        int[] ids = new int[r.ids().length + header.length];
        System.arraycopy(r.ids(), 0, ids, 0, r.ids().length);
        System.arraycopy(header, 0, ids, r.ids().length, header.length);
        return ids;
    }

    /** A single-turn prompt. */
    public int[] renderPrompt(String userText) {
        return renderPrompt(List.of(new Message(USER, userText)));
    }

    /** Prompt followed by a response and EOS: what the reward model reads (its head is read at the EOS). */
    public Rendered renderExchange(String userText, String response) {
        return render(List.of(new Message(USER, userText), new Message(ASSISTANT, response)));
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    private static final class Builder {
        final List<int[]> parts = new ArrayList<>();
        final List<Boolean> flags = new ArrayList<>();
        int n;

        void add(int[] ids, boolean assistant) {
            parts.add(ids);
            flags.add(assistant);
            n += ids.length;
        }

        Rendered build() {
            int[] ids = new int[n];
            boolean[] mask = new boolean[n];
            int o = 0;
            for (int i = 0; i < parts.size(); i++) {
                int[] p = parts.get(i);
                System.arraycopy(p, 0, ids, o, p.length);
                if (flags.get(i)) java.util.Arrays.fill(mask, o, o + p.length, true);
                o += p.length;
            }
            return new Rendered(ids, mask);
        }
    }
}
