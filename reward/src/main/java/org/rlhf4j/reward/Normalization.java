package org.rlhf4j.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.Role;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.model.GptWeights.Head;

/**
 * InstructGPT's reward normalisation: after training, a bias is added so that the labeller demonstrations score 0 on
 * average, and optionally a scale so that they have unit standard deviation. The normalised reward is
 * {@code scale · (raw + bias)}; it is folded into the reward head (w ← scale·w, b ← scale·(b + bias)), so every reader
 * of the head, {@code Policy.score(…, reward=true)} included, gets normalised scores without knowing about it, and it is
 * recorded in the checkpoint's metadata.json as {@code {"bias", "scale", "computed_on", "n", …}}.
 *
 * @param bias       added to the raw reward (−mean of the raw demonstration rewards)
 * @param scale      then multiplied (1/std when unit std was asked for, else 1)
 * @param computedOn the dialogues spec the statistics came from
 * @param n          demonstrations scored
 * @param rawMean    their mean raw reward
 * @param rawStd     their raw standard deviation (population)
 * @param unitStd    whether the scale was fitted
 */
public record Normalization(double bias, double scale, String computedOn, int n, double rawMean, double rawStd, boolean unitStd) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The demonstrations a normalisation is computed on, and how many dialogues were not usable. */
    public record Demonstrations(List<int[]> rows, int notSingleTurn, int tooLong) {}

    /**
     * Single-turn (user, assistant) dialogues rendered as (prompt, final reply, EOS); dialogues with more turns or a
     * system message, and renders longer than {@code maxLen}, are skipped and counted.
     */
    public static Demonstrations demonstrations(List<Dialogue> dialogues, Policy policy, int maxLen) {
        List<int[]> rows = new ArrayList<>();
        int multi = 0, tooLong = 0;
        for (Dialogue d : dialogues) {
            List<Message> m = d.messages();
            if (m.size() != 2 || m.get(0).role() != Role.USER || m.get(1).role() != Role.ASSISTANT) {
                multi++;
                continue;
            }
            int[] ids = RewardScorer.render(policy, m.get(0).content(), d.finalReply());
            if (ids.length > maxLen) tooLong++;
            else rows.add(ids);
        }
        return new Demonstrations(rows, multi, tooLong);
    }

    /** Scores the demonstrations with {@code policy}'s current reward head and fits bias (and scale). */
    public static Normalization fit(Policy policy, Demonstrations demos, String computedOn, boolean unitStd) {
        if (demos.rows().isEmpty()) throw new IllegalArgumentException(computedOn + ": no single-turn demonstration to normalise rewards on");
        double[] r = RewardScorer.scores(policy, demos.rows());
        double mean = 0;
        for (double v : r) mean += v;
        mean /= r.length;
        double var = 0;
        for (double v : r) var += (v - mean) * (v - mean);
        double std = Math.sqrt(var / r.length);
        if (unitStd && !(std > 1e-12))
            throw new IllegalArgumentException(computedOn + ": the demonstrations' rewards have zero spread; cannot scale to unit std");
        return new Normalization(-mean, unitStd ? 1 / std : 1, computedOn, r.length, mean, std, unitStd);
    }

    /** Applies it to the reward head in place: w ← scale·w, b ← scale·(b + bias). */
    public void foldInto(Policy policy) {
        INDArray w = policy.weights().get(Head.REWARD.weight), b = policy.weights().get(Head.REWARD.bias);
        w.muli(scale);
        b.addi(bias).muli(scale);
    }

    /** This normalisation followed by {@code next} (fitted on the already-normalised head), as one. */
    public Normalization then(Normalization next) {
        // next.scale · (scale · (x + bias) + next.bias) = scale·next.scale · (x + bias + next.bias/scale)
        return new Normalization(bias + next.bias / scale, scale * next.scale, next.computedOn, next.n, rawMean, rawStd, unitStd || next.unitStd);
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("bias", bias);
        o.put("scale", scale);
        o.put("computed_on", computedOn);
        o.put("n", n);
        o.put("raw_mean", rawMean);
        o.put("raw_std", rawStd);
        o.put("normalize_std", unitStd);
        o.put("formula", "reward = scale * (raw + bias), folded into reward_head.weight and reward_head.bias");
        return o;
    }

    /** The normalisation recorded in a checkpoint's metadata, or null if it has none. */
    public static Normalization fromMetadata(JsonNode meta) {
        if (meta == null || !meta.has("bias") || !meta.has("scale")) return null;
        return new Normalization(meta.get("bias").asDouble(), meta.get("scale").asDouble(), meta.path("computed_on").asText(),
                meta.path("n").asInt(), meta.path("raw_mean").asDouble(), meta.path("raw_std").asDouble(), meta.path("normalize_std").asBoolean());
    }
}
