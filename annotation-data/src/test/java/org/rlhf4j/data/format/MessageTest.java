package org.rlhf4j.data.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MessageTest {
    private static final Message S = Message.system("s"), U = Message.user("u"), A = Message.assistant("a");

    @Test
    void validOrders() {
        assertEquals(List.of(), Message.turnOrderProblems("messages", List.of(U, A), Role.ASSISTANT));
        assertEquals(List.of(), Message.turnOrderProblems("messages", List.of(S, U, A, U, A), Role.ASSISTANT));
        assertEquals(List.of(), Message.turnOrderProblems("prompt", List.of(S, U, A, U), Role.USER));
    }

    @Test
    void eachBrokenRuleIsReportedOnceWhereItHappens() {
        // A missing assistant turn in the middle gives one problem, not one per later message.
        assertEquals(List.of("\"messages[3]\": two \"user\" messages in a row (user and assistant must alternate)"),
                Message.turnOrderProblems("messages", List.of(U, A, U, U, A, U, A), Role.ASSISTANT));
        assertEquals(List.of("\"messages[0]\": the conversation must start with a \"user\" message, found \"assistant\"",
                        "\"messages\" must end with an \"assistant\" message, ends with \"user\""),
                Message.turnOrderProblems("messages", List.of(A, U), Role.ASSISTANT));
        assertEquals(List.of("\"messages[1]\": the conversation must start with a \"user\" message, found \"assistant\""),
                Message.turnOrderProblems("messages", List.of(S, A), Role.ASSISTANT));
        assertEquals(List.of("\"prompt\" must end with a \"user\" message, ends with \"assistant\""),
                Message.turnOrderProblems("prompt", List.of(U, A), Role.USER));
        assertEquals(List.of("\"messages\" has no messages"), Message.turnOrderProblems("messages", List.of(), Role.ASSISTANT));
    }

    @Test
    void dialogueHelpersAndRules() {
        Dialogue d = new Dialogue(List.of(S, U, A));
        assertEquals(List.of(S, U), d.context());
        assertEquals("a", d.finalReply());
        assertThrows(IllegalArgumentException.class, () -> new Dialogue(List.of(U)));
        assertThrows(IllegalArgumentException.class, () -> Message.user("  "));
    }
}
