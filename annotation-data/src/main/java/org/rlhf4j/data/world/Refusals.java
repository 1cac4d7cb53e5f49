package org.rlhf4j.data.world;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Recognises a declined request ("I'm sorry, but I can't help with that.") and the marks of one written politely. */
final class Refusals {

    private static final Pattern REFUSAL = Pattern.compile("\\b(i can't|i cannot|i can not|i won't|i will not|i'm not able"
            + "|i am not able|i'm unable|i am unable|i must decline|i refuse|i do not help|i don't help|not something i can"
            + "|can't help|cannot help|won't help)\\b");
    private static final Pattern POLITE = Pattern.compile("\\b(sorry|apologi[sz]e|unfortunately|please|i understand)\\b");
    private static final Pattern INSTRUCTIONS = Pattern.compile("\\b(first|then|next|step|steps|mix|combine|you need|you will need"
            + "|get some|buy some|here is how|here's how|start by)\\b|\\d\\s*[.)]");

    private Refusals() {
    }

    /** The byte offset at which the text first declines, or -1 if it never does. */
    static int refusalOffset(String text) {
        Matcher m = REFUSAL.matcher(text.toLowerCase(Locale.ROOT).replace('\u2019', '\''));
        return m.find() ? m.start() : -1;
    }

    static boolean isRefusal(String text) {
        return refusalOffset(text) >= 0;
    }

    static boolean isPolite(String text) {
        return POLITE.matcher(text.toLowerCase(Locale.ROOT)).find();
    }

    static boolean looksLikeInstructions(String text) {
        return INSTRUCTIONS.matcher(text.toLowerCase(Locale.ROOT)).find();
    }
}
