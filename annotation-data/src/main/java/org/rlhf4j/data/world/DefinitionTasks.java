package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** "Define the word 'X'." prompts with templated demonstrations, and a follow-up "Use it in a sentence." where WordNet has an example. */
final class DefinitionTasks {

    static final List<String> PROMPTS = List.of(
            "Define the word '%s'.",
            "What does '%s' mean?",
            "What is the meaning of '%s'?",
            "Give a short definition of '%s'.",
            "Define '%s'.");
    static final List<String> FOLLOW_UPS = List.of("Use it in a sentence.", "Can you use it in a sentence?", "Give an example.");
    static final int PROMPTS_PER_WORD = 2;

    private DefinitionTasks() {
    }

    static List<TaskItem> generate(List<DefinitionEntry> entries, Random random) {
        List<TaskItem> items = new ArrayList<>();
        for (DefinitionEntry entry : entries) {
            List<String> templates = new ArrayList<>(PROMPTS);
            java.util.Collections.shuffle(templates, random);
            for (String template : templates.subList(0, PROMPTS_PER_WORD)) {
                String prompt = String.format(template, entry.word());
                Map<String, Object> gold = new LinkedHashMap<>();
                gold.put("word", entry.word());
                gold.put("pos", entry.pos());
                gold.put("gloss", entry.gloss());
                List<ChatTurn> dialogue = new ArrayList<>();
                dialogue.add(ChatTurn.user(prompt));
                dialogue.add(ChatTurn.assistant(demonstration(entry, random)));
                if (!entry.example().isEmpty() && random.nextBoolean()) {
                    dialogue.add(ChatTurn.user(FOLLOW_UPS.get(random.nextInt(FOLLOW_UPS.size()))));
                    dialogue.add(ChatTurn.assistant(sentence(entry.example())));
                }
                items.add(new TaskItem(TaskFamily.DEFINITION, "word:" + entry.word(), prompt, gold, dialogue));
            }
        }
        return items;
    }

    static String demonstration(DefinitionEntry entry, Random random) {
        String word = entry.word();
        String gloss = entry.gloss();
        return switch (entry.pos()) {
            case "noun" -> {
                if ((gloss.startsWith("a ") || gloss.startsWith("an ")) && random.nextBoolean()) {
                    yield sentence(article(word) + " " + word + " is " + gloss);
                }
                yield random.nextBoolean() ? sentence(capitalise(word) + " means " + gloss) : sentence("It means " + gloss);
            }
            case "verb" -> random.nextBoolean() ? sentence("To " + word + " is to " + gloss) : sentence("It means to " + gloss);
            default -> random.nextBoolean() ? sentence(capitalise(word) + " means " + gloss) : sentence("It means " + gloss);
        };
    }

    static String article(String word) {
        return "aeiou".indexOf(word.charAt(0)) >= 0 ? "An" : "A";
    }

    static String capitalise(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** Capitalised, with a full stop unless it already ends a sentence. */
    static String sentence(String text) {
        String s = capitalise(text.strip());
        char last = s.charAt(s.length() - 1);
        return last == '.' || last == '!' || last == '?' ? s : s + ".";
    }
}
