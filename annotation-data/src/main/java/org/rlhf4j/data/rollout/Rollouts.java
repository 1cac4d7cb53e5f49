package org.rlhf4j.data.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.world.PromptInfo;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.generate.Generator;
import org.rlhf4j.policy.generate.SamplingConfig;

/**
 * Responses sampled from a policy for a list of prompts, in batches, with one seed per prompt (derived from the run
 * seed and the prompt's index), so a prompt's response does not depend on the batch it was drawn in.
 */
public final class Rollouts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Rollouts() {}

    /**
     * One prompt's sampled response.
     *
     * @param promptIds   the rendered prompt (chat template, ending with the assistant header)
     * @param responseIds the new tokens, with the closing EOS if the policy emitted one
     * @param text        the decoded response without special tokens
     * @param eos         whether the response ended with EOS
     * @param logprobs    log π(token) at the sampling temperature, per response token
     */
    public record Sample(PromptRecord prompt, int[] promptIds, int[] responseIds, String text, boolean eos, float[] logprobs) {}

    public static List<Sample> sample(Policy policy, List<PromptRecord> prompts, SamplingConfig cfg, long seed, int batchSize) {
        List<Sample> out = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += batchSize) {
            List<PromptRecord> chunk = prompts.subList(from, Math.min(prompts.size(), from + batchSize));
            List<int[]> ids = new ArrayList<>();
            long[] seeds = new long[chunk.size()];
            for (int i = 0; i < chunk.size(); i++) {
                ids.add(policy.chat().renderPrompt(chunk.get(i).prompt()));
                seeds[i] = Generator.rowSeed(seed, from + i);
            }
            Generator.Result r = policy.generate(ids, cfg, seeds);
            for (int i = 0; i < chunk.size(); i++) {
                int[] resp = r.tokens().get(i);
                out.add(new Sample(chunk.get(i), ids.get(i), resp, policy.tokenizer().decode(resp), r.endedWithEos(i), r.logprobs().get(i)));
            }
        }
        return out;
    }

    /** The gold judge's view of a prompt record (family and gold fields are required for judging). */
    @SuppressWarnings("unchecked")
    public static PromptInfo info(PromptRecord p) {
        Map<String, Object> gold = p.gold() == null ? Map.of() : JSON.convertValue(p.gold(), LinkedHashMap.class);
        if (p.family() == null) throw new IllegalArgumentException("prompt " + p.id() + " has no family: the gold judge needs one");
        return new PromptInfo(p.id() == null ? "" : p.id(), p.family(), p.prompt(), gold);
    }
}
