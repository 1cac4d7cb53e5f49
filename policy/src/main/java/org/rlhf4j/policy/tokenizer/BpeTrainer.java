package org.rlhf4j.policy.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Trains a byte-level BPE vocabulary on a corpus: split every text into chunks with {@link BpeTokenizer#PATTERN},
 * then repeatedly merge the adjacent pair of tokens that occurs most often (weighted by chunk frequency) into a new
 * token. Ties go to the smallest pair of ids, so the result depends only on the texts. No Java library on Maven
 * Central trains a BPE (jtokkit only encodes), hence this class; encoding with the result is jtokkit's.
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /**
     * @param vocabSize the tokenizer's whole vocabulary: 256 bytes + merges + 3 specials (so at least 259); fewer
     *                  merges are made if the corpus runs out of pairs that occur twice
     */
    public static BpeTokenizer train(Iterable<String> texts, int vocabSize) {
        if (vocabSize < 259) throw new IllegalArgumentException("vocab_size: expected >= 259 (256 bytes + BOS, EOS, PAD), got " + vocabSize);
        // 1. chunk frequencies
        Map<String, Integer> chunkCount = new HashMap<>();
        for (String text : texts) {
            Matcher m = BpeTokenizer.PATTERN.matcher(text);
            while (m.find()) chunkCount.merge(m.group(), 1, Integer::sum);
        }
        String[] chunks = chunkCount.keySet().toArray(String[]::new);
        Arrays.sort(chunks);
        int[][] words = new int[chunks.length][];
        long[] freq = new long[chunks.length];
        for (int w = 0; w < chunks.length; w++) {
            byte[] b = chunks[w].getBytes(StandardCharsets.UTF_8);
            words[w] = new int[b.length];
            for (int i = 0; i < b.length; i++) words[w][i] = b[i] & 0xff;
            freq[w] = chunkCount.get(chunks[w]);
        }
        // 2. pair counts and, for each pair, the words that (may) hold it
        Map<Long, long[]> pairCount = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int w = 0; w < words.length; w++) addPairs(words[w], w, freq[w], +1, pairCount, where);
        // 3. merge
        List<byte[]> merged = new ArrayList<>();
        Map<String, Integer> idOfBytes = new HashMap<>();
        int target = vocabSize - 259;
        while (merged.size() < target) {
            long best = -1, bestCount = 0;
            for (Map.Entry<Long, long[]> e : pairCount.entrySet()) {
                long c = e.getValue()[0];
                if (c < 2) continue;
                if (c > bestCount || (c == bestCount && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best < 0) break;
            int a = (int) (best >>> 32), b = (int) best;
            byte[] bytes = concat(bytesOf(a, merged), bytesOf(b, merged));
            String key = new String(bytes, StandardCharsets.ISO_8859_1);
            Integer existing = idOfBytes.get(key);
            int id;
            if (existing != null) {
                id = existing;
            } else {
                id = 256 + merged.size();
                merged.add(bytes);
                idOfBytes.put(key, id);
            }
            for (int w : where.remove(best)) {
                int[] old = words[w];
                int[] neu = replace(old, a, b, id);
                if (neu == old) continue;
                addPairs(old, w, freq[w], -1, pairCount, where);
                words[w] = neu;
                addPairs(neu, w, freq[w], +1, pairCount, where);
            }
            pairCount.remove(best);
        }
        return new BpeTokenizer(merged);
    }

    private static void addPairs(int[] word, int w, long f, int sign, Map<Long, long[]> pairCount, Map<Long, Set<Integer>> where) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = ((long) word[i] << 32) | (word[i + 1] & 0xffffffffL);
            long[] c = pairCount.computeIfAbsent(key, k -> new long[1]);
            c[0] += sign * f;
            if (sign > 0) where.computeIfAbsent(key, k -> new HashSet<>()).add(w);
            else if (c[0] <= 0) pairCount.remove(key);
        }
    }

    /** The word with every non-overlapping (a, b), left to right, replaced by id; the same array if there was none. */
    private static int[] replace(int[] word, int a, int b, int id) {
        int[] out = null;
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                if (out == null) {
                    out = new int[word.length];
                    System.arraycopy(word, 0, out, 0, i);
                    n = i;
                }
                out[n++] = id;
                i++;
            } else if (out != null) {
                out[n++] = word[i];
            }
        }
        return out == null ? word : Arrays.copyOf(out, n);
    }

    private static byte[] bytesOf(int id, List<byte[]> merged) {
        return id < 256 ? new byte[] {(byte) id} : merged.get(id - 256);
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] r = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, r, x.length, y.length);
        return r;
    }
}
