package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Word problems with one-digit numbers: adding, taking away, equal groups, and combining two people's things. */
final class ArithmeticTasks {

    static final List<String> NAMES = List.of("Tom", "Ann", "Sam", "Mia", "Ben", "Lily", "Max", "Eva", "Leo", "Zoe", "Jack", "Kim");
    static final List<String> THINGS = List.of("apples", "pens", "books", "cards", "coins", "eggs", "shells", "stamps",
            "marbles", "balls", "cookies", "cups");

    private ArithmeticTasks() {
    }

    /** {@code count} distinct problems. */
    static List<TaskItem> generate(int count, Random random) {
        List<TaskItem> items = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        while (items.size() < count) {
            String name = NAMES.get(random.nextInt(NAMES.size()));
            String other;
            do {
                other = NAMES.get(random.nextInt(NAMES.size()));
            } while (other.equals(name));
            String things = THINGS.get(random.nextInt(THINGS.size()));
            int a = 1 + random.nextInt(9);
            int b = 1 + random.nextInt(9);
            String prompt;
            int answer;
            String worked;
            String answerSentence;
            switch (random.nextInt(5)) {
                case 0 -> {
                    prompt = String.format("%s has %d %s and gets %d more. How many %s does %s have?", name, a, things, b, things, name);
                    answer = a + b;
                    worked = a + " + " + b;
                    answerSentence = String.format("%s has %d %s.", name, answer, things);
                }
                case 1 -> {
                    prompt = String.format("%s has %d %s. %s gives %s %d more. How many %s now?", name, a, things, other, name, b, things);
                    answer = a + b;
                    worked = a + " + " + b;
                    answerSentence = String.format("%s has %d %s now.", name, answer, things);
                }
                case 2 -> {
                    int total = Math.max(a, b) + 1 + random.nextInt(5);
                    int given = Math.min(a, b);
                    prompt = String.format("%s has %d %s and gives %d away. How many %s are left?", name, total, things, given, things);
                    answer = total - given;
                    worked = total + " - " + given;
                    answerSentence = String.format("There are %d %s left.", answer, things);
                }
                case 3 -> {
                    int bags = 2 + random.nextInt(4);
                    int each = 2 + random.nextInt(4);
                    prompt = String.format("%s has %d bags with %d %s in each. How many %s in all?", name, bags, each, things, things);
                    answer = bags * each;
                    worked = bags + " x " + each;
                    answerSentence = String.format("%s has %d %s in all.", name, answer, things);
                }
                default -> {
                    prompt = String.format("%s has %d %s and %s has %d. How many %s do they have together?", name, a, things, other, b, things);
                    answer = a + b;
                    worked = a + " + " + b;
                    answerSentence = String.format("They have %d %s together.", answer, things);
                }
            }
            if (!seen.add(prompt)) {
                continue;
            }
            String demonstration = switch (random.nextInt(4)) {
                case 0 -> answerSentence;
                case 1 -> String.format("The answer is %d.", answer);
                case 2 -> String.format("%d, because %s = %d.", answer, worked, answer);
                default -> String.format("%d %s.", answer, things);
            };
            Map<String, Object> gold = new LinkedHashMap<>();
            gold.put("answer", answer);
            items.add(new TaskItem(TaskFamily.ARITHMETIC, "problem:" + prompt, prompt, gold,
                    List.of(ChatTurn.user(prompt), ChatTurn.assistant(demonstration))));
        }
        return items;
    }
}
