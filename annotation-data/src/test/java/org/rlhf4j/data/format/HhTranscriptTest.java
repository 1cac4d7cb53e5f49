package org.rlhf4j.data.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HhTranscriptTest {

    @Test
    void parseTurnsTrimmed() {
        List<String> problems = new ArrayList<>();
        List<Message> m = HhTranscript.parse("text", "\n\nHuman: Hi there \n\nAssistant:  Hello.\n\nHuman: Bye", problems);
        assertEquals(List.of(Message.user("Hi there"), Message.assistant("Hello."), Message.user("Bye")), m);
        assertEquals(List.of(), problems);
        assertEquals(List.of(Message.user("Hi"), Message.assistant("Yo")), HhTranscript.parse("text", "Human: Hi\n\nAssistant: Yo", problems),
                "a transcript without the leading blank line");
    }

    @Test
    void parseProblems() {
        List<String> problems = new ArrayList<>();
        HhTranscript.parse("text", "no markers at all", problems);
        HhTranscript.parse("text", "intro\n\nHuman: Hi\n\nAssistant:", problems);
        assertEquals(List.of("\"text\" has no \"\\n\\nHuman:\" or \"\\n\\nAssistant:\" turns",
                "\"text\" has text before its first \"\\n\\nHuman:\" turn",
                "\"text\" turn 1 (Assistant) is empty"), problems);
    }

    @Test
    void splitPairAtTheLastSharedAssistantMarker() {
        List<String> problems = new ArrayList<>();
        // The replies share their first letters ("Pa"): the prompt still ends at the marker, not inside the replies.
        HhTranscript.PairParts p = HhTranscript.splitPair("\n\nHuman: Q1\n\nAssistant: A1\n\nHuman: Q2\n\nAssistant: Paris",
                "\n\nHuman: Q1\n\nAssistant: A1\n\nHuman: Q2\n\nAssistant: Pau", problems);
        assertEquals("\n\nHuman: Q1\n\nAssistant: A1\n\nHuman: Q2\n\nAssistant:", p.promptTranscript());
        assertEquals("Paris", p.chosen());
        assertEquals("Pau", p.rejected());
        assertEquals(List.of(), problems);
        assertNull(HhTranscript.splitPair("\n\nHuman: a", "\n\nHuman: b", problems));
        assertEquals(1, problems.size());
    }

    @Test
    void renderForARankingPrompt() {
        assertEquals("System: Be kind.\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Bye",
                HhTranscript.render(List.of(Message.system("Be kind."), Message.user("Hi"), Message.assistant("Hello"), Message.user("Bye"))));
    }
}
