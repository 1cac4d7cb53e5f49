package org.rlhf4j.data.rollout;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.policy.generate.SamplingConfig;

/**
 * How responses are sampled in a config file (rollouts, gold evaluation, annotation).
 *
 * @param temperature    sampling temperature (the same one every log-prob uses)
 * @param topP           nucleus mass; 1 = off
 * @param maxNewTokens   longest response
 * @param greedy         arg-max decoding instead of sampling
 */
public record SampleConfig(@JsonProperty("temperature") double temperature, @JsonProperty("top_p") double topP,
                           @JsonProperty("max_new_tokens") int maxNewTokens, @JsonProperty("greedy") boolean greedy) {

    public List<String> problems(String prefix) {
        List<String> p = new ArrayList<>();
        if (!(temperature > 0 && temperature <= 10)) p.add(prefix + "temperature: expected in (0, 10], got " + temperature);
        if (!(topP > 0 && topP <= 1)) p.add(prefix + "top_p: expected in (0, 1], got " + topP);
        if (maxNewTokens < 1) p.add(prefix + "max_new_tokens: expected >= 1, got " + maxNewTokens);
        return p;
    }

    public SamplingConfig sampling() {
        return new SamplingConfig(temperature, 0, topP, greedy, maxNewTokens, List.of());
    }
}
