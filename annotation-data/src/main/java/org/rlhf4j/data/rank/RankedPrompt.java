package org.rlhf4j.data.rank;

import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.format.RankedPair;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.policy.tokenizer.ChatTemplate;

/**
 * One ranking ready for a model: response i rendered as the chat exchange (prompt, response i) closed by EOS, where
 * the reward head is read. Every row starts with the same {@code promptTokens} tokens (BOS … user prompt … assistant
 * header); the response and its EOS follow, and are what DPO's log-probabilities are summed over.
 *
 * @param ranking      the labeller's ranking (responses, best-first permutation, family, gold, …)
 * @param rows         K token sequences, row i = BOS … user prompt … assistant header, response i, EOS
 * @param promptTokens how many leading tokens of every row are the rendered prompt
 */
public record RankedPrompt(Ranking ranking, List<int[]> rows, int promptTokens) {
    public RankedPrompt {
        rows = List.copyOf(rows);
        if (rows.size() != ranking.k()) throw new IllegalArgumentException("need one row per response: " + rows.size() + " rows, K=" + ranking.k());
        for (int[] r : rows)
            if (promptTokens < 1 || r.length <= promptTokens) throw new IllegalArgumentException("every row needs its " + promptTokens + " prompt tokens and a response after them");
    }

    public int k() {
        return ranking.k();
    }

    /** All C(K,2) (winner, loser, rank distance) comparisons, as indices into {@link #rows}. */
    public List<RankedPair> pairs() {
        return ranking.pairs();
    }

    /** Rankings rendered for the model, and how many were left out because a rendered response exceeded the length. */
    public record Prepared(List<RankedPrompt> prompts, int droppedTooLong) {}

    /** Renders every ranking; a ranking with any row longer than {@code maxLen} tokens is dropped (and counted). */
    public static Prepared prepare(List<Ranking> rankings, ChatTemplate chat, int maxLen) {
        List<RankedPrompt> out = new ArrayList<>();
        int dropped = 0;
        for (Ranking r : rankings) {
            List<int[]> rows = new ArrayList<>();
            boolean fits = true;
            for (String response : r.responses()) {
                int[] ids = chat.renderExchange(r.prompt(), response).ids();
                fits &= ids.length <= maxLen;
                rows.add(ids);
            }
            if (fits) out.add(new RankedPrompt(r, rows, chat.renderPrompt(r.prompt()).length));
            else dropped++;
        }
        return new Prepared(out, dropped);
    }
}
