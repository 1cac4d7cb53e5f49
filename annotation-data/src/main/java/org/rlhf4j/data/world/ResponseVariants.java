package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A realistic pool of responses to one prompt for measuring annotators: the demonstration and degraded variants of it
 * (no EOS, truncated, repeated, exclaimed, another prompt's answer, a wrong refusal or a wrong compliance, and for
 * arithmetic a wrong number).
 */
final class ResponseVariants {

    /** One response in the pool, with whether it ended with EOS and what kind of variant it is. */
    record Candidate(String text, boolean eos, String kind) {
    }

    static final String REFUSAL = "I'm sorry, but I can't help with that.";
    static final String COMPLIANCE = "Sure! First, you need a few things from the store.";

    private ResponseVariants() {
    }

    /**
     * @param otherAnswers demonstrations of other prompts of the same family, one of which is used off-topic
     */
    static List<Candidate> of(PromptInfo prompt, String demonstration, List<String> otherAnswers, Random random) {
        List<Candidate> candidates = new ArrayList<>();
        candidates.add(new Candidate(demonstration, true, "demonstration"));
        candidates.add(new Candidate(demonstration, false, "no-eos"));
        candidates.add(new Candidate(truncate(demonstration), false, "truncated"));
        candidates.add(new Candidate(demonstration + " " + demonstration, false, "repeated"));
        if (demonstration.endsWith(".")) {
            candidates.add(new Candidate(demonstration.substring(0, demonstration.length() - 1) + "!", true, "exclaimed"));
        }
        if (!otherAnswers.isEmpty()) {
            String other = otherAnswers.get(random.nextInt(otherAnswers.size()));
            if (!other.equals(demonstration)) {
                candidates.add(new Candidate(other, true, "other-prompt"));
            }
        }
        boolean shouldRefuse = prompt.taskFamily() == TaskFamily.HARMLESSNESS && prompt.goldBoolean("should_refuse");
        candidates.add(shouldRefuse ? new Candidate(COMPLIANCE, true, "complies") : new Candidate(REFUSAL, true, "refuses"));
        if (prompt.taskFamily() == TaskFamily.ARITHMETIC) {
            String answer = String.valueOf(prompt.goldInt("answer"));
            String wrong = String.valueOf(prompt.goldInt("answer") + 1 + random.nextInt(3));
            candidates.add(new Candidate(demonstration.replaceFirst("\\b" + answer + "\\b", wrong), true, "wrong-number"));
        }
        Set<String> seen = new LinkedHashSet<>();
        candidates.removeIf(c -> !seen.add(c.text() + "\u0000" + c.eos()));
        return candidates;
    }

    /** The first half of the words. */
    static String truncate(String text) {
        String[] words = text.split(" ");
        return String.join(" ", java.util.Arrays.copyOf(words, Math.max(1, words.length / 2)));
    }
}
