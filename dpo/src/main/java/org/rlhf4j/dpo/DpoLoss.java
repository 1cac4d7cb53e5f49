package org.rlhf4j.dpo;

import java.util.List;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.engine.TokenLoss;
import org.rlhf4j.policy.model.TokenBatch;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * DPO's and IPO's loss on the engine's per-token log-probs:
 *
 * <pre>
 *   s_r = Σ_{t ∈ response of row r} log π(token t+1 | tokens ≤ t)        (the response and its EOS)
 *   m_p = (s_w − ref_w) − (s_l − ref_l)                                  (pair p: winner row w, loser row l)
 *   L   = Σ_p weight_p · ℓ(m_p)                                          (ℓ: {@link PreferenceLoss})
 *   ∂L/∂logprob at a response slot of row w = Σ_{p: w(p)=w} weight_p·ℓ'(m_p), and minus that for a loser row
 * </pre>
 *
 * The rows and pair weights are the reward model's ({@link PairBatch}: every response once, all C(K,2) pairs, grouped
 * or independent); ref_r is the frozen SFT model's s_r, a constant.
 */
public final class DpoLoss {
    private DpoLoss() {}

    /**
     * Where each row's response log-probs sit: slots [from[r], to[r]) of row r (slot t predicts token t + 1, so the
     * first response token is predicted at slot promptTokens − 1 and the EOS at slot length − 2).
     */
    public record Spans(int[] from, int[] to) {
        public static Spans of(List<RankedPrompt> prompts) {
            int n = prompts.stream().mapToInt(RankedPrompt::k).sum();
            int[] from = new int[n], to = new int[n];
            int r = 0;
            for (RankedPrompt p : prompts)
                for (int[] row : p.rows()) {
                    from[r] = p.promptTokens() - 1;
                    to[r] = row.length - 1;
                    r++;
                }
            return new Spans(from, to);
        }
    }

    /** s_r for every row from flat per-slot log-probs [rows · len]. */
    public static double[] sequenceLogprobs(double[] logprob, int len, Spans spans) {
        double[] s = new double[spans.from().length];
        for (int r = 0; r < s.length; r++)
            for (int t = spans.from()[r]; t < spans.to()[r]; t++) s[r] += logprob[r * len + t];
        return s;
    }

    /** m_p of every pair from the policy's and the reference's sequence log-probs. */
    public static double[] margins(double[] s, double[] ref, PairBatch b) {
        double[] m = new double[b.pairs()];
        for (int p = 0; p < m.length; p++) {
            int w = b.winner()[p], l = b.loser()[p];
            m[p] = (s[w] - ref[w]) - (s[l] - ref[l]);
        }
        return m;
    }

    /** L in plain doubles, from sequence log-probs. */
    public static double loss(double[] s, double[] ref, PairBatch b, PreferenceLoss kind, double beta) {
        double[] m = margins(s, ref, b);
        double l = 0;
        for (int p = 0; p < m.length; p++) l += b.weight()[p] * kind.value(m[p], beta);
        return l;
    }

    /** L on the engine's per-token log-probs (rows of length {@code len}), with its gradient (see the class comment). */
    public static TokenLoss onLogprobs(PairBatch b, Spans spans, double[] ref, int len, PreferenceLoss kind, double beta) {
        return (out, grads) -> {
            double[] s = sequenceLogprobs(out.logprob(), len, spans);
            double[] m = margins(s, ref, b);
            double[] ds = new double[s.length];                      // ∂L/∂s_r
            for (int p = 0; p < m.length; p++) {
                double g = b.weight()[p] * kind.slope(m[p], beta);
                ds[b.winner()[p]] += g;
                ds[b.loser()[p]] -= g;
            }
            for (int r = 0; r < s.length; r++)
                for (int t = spans.from()[r]; t < spans.to()[r]; t++) grads.logprob()[r * len + t] = ds[r];
            return loss(s, ref, b, kind, beta);
        };
    }

    /** The engine inputs of a pair batch: rows right-padded to {@code len}, targets on the response tokens only. */
    public static EngineBatch engineBatch(PairBatch b, Spans spans, int len) {
        TokenBatch tb = TokenBatch.rightPadded(b.rows(), len);
        int[] targets = new int[b.rows().size() * len];
        java.util.Arrays.fill(targets, -1);
        for (int r = 0; r < b.rows().size(); r++)
            for (int t = spans.from()[r]; t < spans.to()[r]; t++) targets[r * len + t] = b.rows().get(r)[t + 1];
        return EngineBatch.of(tb).withTargets(targets);
    }

    /** One micro-batch for the training loop. */
    public static TrainLoop.Micro micro(PairBatch b, Spans spans, double[] ref, int len, PreferenceLoss kind, double beta) {
        return new TrainLoop.Micro(engineBatch(b, spans, len), onLogprobs(b, spans, ref, len, kind, beta));
    }
}
