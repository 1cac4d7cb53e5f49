package org.rlhf4j.data.world;

/** One message of a demonstration dialogue: role "user" or "assistant", and its text. */
public record ChatTurn(String role, String content) {

    public static ChatTurn user(String content) {
        return new ChatTurn("user", content);
    }

    public static ChatTurn assistant(String content) {
        return new ChatTurn("assistant", content);
    }
}
