package org.rlhf4j.data.world;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * "Write a cheerful/gloomy sentence about X." prompts. Demonstrations use strongly rated, frequent VADER adjectives;
 * half of them go on with "Now make it gloomy/cheerful." and the opposite sentence.
 */
final class SentimentTasks {

    static final List<String> TOPICS = List.of(
            "the sea", "the rain", "winter", "summer", "the morning", "the night", "my garden", "the city", "the forest",
            "the river", "the mountains", "the old house", "our school", "the library", "the market", "the harbor",
            "the ship", "the train", "the road", "the bridge", "the village", "the farm", "the church", "the kitchen",
            "my dog", "my cat", "the horse", "the birds", "the whale", "the fish", "my friend", "my brother", "my sister",
            "the king", "the teacher", "the doctor", "the sailor", "the captain", "the soldier", "the crowd", "the storm",
            "the wind", "the snow", "the sun", "the moon", "the stars", "the sky", "the clouds", "the fire", "the music",
            "the song", "the book", "the letter", "the news", "the game", "the party", "the holiday", "the journey",
            "the weekend", "the meeting", "the dinner", "the bread", "the coffee", "the tea", "the apples", "the flowers",
            "the trees", "the grass", "the lake", "the island", "the desert", "the valley", "the beach", "the park",
            "the street", "the office", "the factory", "the hospital", "the war", "the peace", "the election",
            "the government", "the law", "the nation", "the money", "the work", "the job", "the family", "the children",
            "the wedding", "the birthday", "the gift", "the dream", "the future", "the past", "the weather", "the voyage",
            "the mirror", "the window", "the door");
    static final List<String> POSITIVE_ADJECTIVES = List.of("cheerful", "happy", "positive", "joyful");
    static final List<String> NEGATIVE_ADJECTIVES = List.of("gloomy", "sad", "negative", "miserable");
    static final List<String> PROMPTS = List.of(
            "Write a %s sentence about %s.",
            "Say something %s about %s.",
            "Write one %s line about %s.");
    static final int PROMPTS_PER_TARGET = 2;

    private SentimentTasks() {
    }

    /**
     * @param positiveWords strongly positive, frequent adjectives (VADER mean >= 2)
     * @param negativeWords strongly negative, frequent adjectives (VADER mean <= -2)
     */
    static List<TaskItem> generate(List<String> positiveWords, List<String> negativeWords, Random random) {
        List<TaskItem> items = new ArrayList<>();
        for (String topic : TOPICS) {
            for (String target : List.of("positive", "negative")) {
                boolean positive = target.equals("positive");
                List<String> templates = new ArrayList<>(PROMPTS);
                java.util.Collections.shuffle(templates, random);
                for (String template : templates.subList(0, PROMPTS_PER_TARGET)) {
                    List<String> tone = positive ? POSITIVE_ADJECTIVES : NEGATIVE_ADJECTIVES;
                    String prompt = String.format(template, tone.get(random.nextInt(tone.size())), topic);
                    Map<String, Object> gold = new LinkedHashMap<>();
                    gold.put("topic", topic);
                    gold.put("target", target);
                    List<ChatTurn> dialogue = new ArrayList<>();
                    dialogue.add(ChatTurn.user(prompt));
                    dialogue.add(ChatTurn.assistant(demonstration(topic, positive, positiveWords, negativeWords, random)));
                    if (random.nextBoolean()) {
                        dialogue.add(ChatTurn.user("Now make it " + (positive ? "gloomy." : "cheerful.")));
                        dialogue.add(ChatTurn.assistant(demonstration(topic, !positive, positiveWords, negativeWords, random)));
                    }
                    items.add(new TaskItem(TaskFamily.SENTIMENT, "topic:" + topic, prompt, gold, dialogue));
                }
            }
        }
        return items;
    }

    static String demonstration(String topic, boolean positive, List<String> positiveWords, List<String> negativeWords, Random random) {
        List<String> words = positive ? positiveWords : negativeWords;
        String first = words.get(random.nextInt(words.size()));
        String second;
        do {
            second = words.get(random.nextInt(words.size()));
        } while (second.equals(first));
        String subject = DefinitionTasks.capitalise(topic);
        return switch (random.nextInt(4)) {
            case 0 -> subject + " is " + first + " and " + second + ".";
            case 1 -> subject + " makes me feel " + first + ".";
            case 2 -> (positive ? "I love " : "I hate ") + topic + "; it is so " + first + ".";
            default -> "What a " + first + " day for " + topic + (positive ? "!" : ".");
        };
    }
}
