package org.rlhf4j.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.tokenizer.ByteTokenizer;

/** Tiny reward models and synthetic rankings for tests (seconds on 2 cores). */
final class Tiny {
    private Tiny() {}

    static GptConfig config(int ctx) {
        return GptConfig.of(ByteTokenizer.VOCAB, ctx, 16, 2, 2);
    }

    /** A byte-tokenizer policy with a reward head; {@code sharp} scales matrices up so the function is far from linear. */
    static Policy policy(int ctx, long seed, DataType dt, boolean sharp) {
        GptConfig c = config(ctx);
        GptWeights w = GptWeights.init(c, seed, dt).withHead(Head.REWARD, seed + 1);
        if (sharp) {
            SplittableRandom r = new SplittableRandom(seed + 2);
            for (var e : w.arrays().entrySet()) {
                INDArray a = e.getValue();
                if (e.getKey().startsWith("reward_head")) continue;
                if (a.rank() == 2) a.muli(15);
                else for (long i = 0; i < a.length(); i++) a.putScalar(i, a.getDouble(i) + 0.3 * (r.nextDouble() - 0.5));
            }
        }
        return new Policy(c, new ByteTokenizer(), w);
    }

    static int count(String s, char c) {
        int n = 0;
        for (char x : s.toCharArray()) if (x == c) n++;
        return n;
    }

    /**
     * Rankings of K distinct responses of length {@code len} over {a, b, c}, each with a different number of 'a's;
     * the ranking prefers more 'a's.
     */
    static List<Ranking> moreA(int n, int k, int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Ranking> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> counts = new ArrayList<>();
            for (int c = 0; c <= len; c++) counts.add(c);
            counts = org.rlhf4j.policy.train.SeededShuffle.shuffled(counts, r.nextLong()).subList(0, k);
            List<String> responses = new ArrayList<>();
            for (int c : counts) {
                char[] s = new char[len];
                for (int j = 0; j < len; j++) s[j] = j < c ? 'a' : (r.nextBoolean() ? 'b' : 'c');
                List<Character> chars = new ArrayList<>();
                for (char x : s) chars.add(x);
                StringBuilder sb = new StringBuilder();
                for (char x : org.rlhf4j.policy.train.SeededShuffle.shuffled(chars, r.nextLong())) sb.append(x);
                responses.add(sb.toString());
            }
            List<Integer> ranking = new ArrayList<>();
            for (int j = 0; j < k; j++) ranking.add(j);
            List<String> resp = responses;
            ranking.sort((x, y) -> Integer.compare(count(resp.get(y), 'a'), count(resp.get(x), 'a')));
            out.add(new Ranking("r" + i, "q" + (i % 10), responses, ranking, "synthetic", null, null, null, null, null, null));
        }
        return out;
    }
}
