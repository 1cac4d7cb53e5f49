package org.rlhf4j.policy.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.rlhf4j.policy.tokenizer.ChatTemplate.Message;

class TokenizerTest {
    static final String NON_ASCII = "Grüße, 世界! café — naïve 😀";

    @Test
    void byteTokenizerRoundTripsAnyText() {
        ByteTokenizer t = new ByteTokenizer();
        int[] ids = t.encode(NON_ASCII);
        assertEquals(NON_ASCII.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, ids.length);
        assertEquals(NON_ASCII, t.decode(ids));
        assertNotEquals(t.eos(), t.pad());
        assertEquals(259, t.vocabSize());
    }

    @Test
    void gpt2BpeMatchesGpt2Ids() {
        Gpt2BpeTokenizer t = new Gpt2BpeTokenizer();
        // GPT-2's own ids for this sentence (OpenAI's r50k_base encoding, which jtokkit bundles)
        assertArrayEquals(new int[] {15496, 995, 0, 383, 2068, 7586, 21831, 13}, t.encode("Hello world! The quick brown fox."));
        assertEquals(NON_ASCII, t.decode(t.encode(NON_ASCII)));
        assertEquals(50256, t.eos());
        assertNotEquals(t.eos(), t.pad());
    }

    @Test
    void decodeDropsSpecialTokens() {
        ByteTokenizer t = new ByteTokenizer();
        assertEquals("ab", t.decode(new int[] {ByteTokenizer.BOS, 'a', ByteTokenizer.PAD, 'b', ByteTokenizer.EOS}));
    }

    @Test
    void chatTemplateMarksExactlyTheAssistantTokens() {
        ByteTokenizer t = new ByteTokenizer();
        ChatTemplate chat = new ChatTemplate(t);
        ChatTemplate.Rendered r = chat.render(List.of(
                new Message("system", "Be brief."), new Message("user", "Hi"), new Message("assistant", "Hello!"),
                new Message("user", "2+2?"), new Message("assistant", "4")));
        String expected = "<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\nHello!" + "\u0000" + "<|user|>\n2+2?\n<|assistant|>\n4" + "\u0000";
        // rebuild the id sequence by hand: BOS, then the pieces, with EOS where \0 stands
        int[] ids = r.ids();
        assertEquals(ByteTokenizer.BOS, ids[0]);
        StringBuilder rendered = new StringBuilder();
        StringBuilder assistant = new StringBuilder();
        for (int i = 1; i < ids.length; i++) {
            char c = ids[i] == ByteTokenizer.EOS ? '\u0000' : (char) ids[i];
            rendered.append(c);
            if (r.assistantMask()[i]) assistant.append(c);
        }
        assertEquals(expected, rendered.toString());
        assertEquals("Hello!\u00004\u0000", assistant.toString());
        assertFalse(r.assistantMask()[0]);
        assertEquals(9, r.assistantTokens());
    }

    @Test
    void promptIsAPrefixOfTheRenderedDialogue() {
        for (Tokenizer t : List.of(new ByteTokenizer(), new Gpt2BpeTokenizer())) {
            ChatTemplate chat = new ChatTemplate(t);
            int[] prompt = chat.renderPrompt("Define the word 'tree'.");
            int[] full = chat.renderExchange("Define the word 'tree'.", "A tall plant.").ids();
            assertArrayEquals(prompt, java.util.Arrays.copyOf(full, prompt.length));
            assertEquals(t.eos(), full[full.length - 1]);
        }
    }
}
