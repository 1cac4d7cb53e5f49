package org.rlhf4j.spark;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.ppo.RewardFn;

/**
 * What a PPO run's executors need for its whole length, broadcast once: the config, the training prompts, and the
 * policy (with its value head, as the first iteration sees it: its shapes and tokenizer; the weights are replaced by
 * each broadcast of flat floats), the frozen reference and the reward model as checkpoint bytes.
 */
public record PpoRun(String configJson, List<String> promptsJson, ModelFiles policy, ModelFiles reference, ModelFiles rewardModel,
                     boolean goldJudgeReward) implements Serializable {
    /** Prompt records leave out absent fields, as in their JSONL files (the reader refuses an explicit null). */
    private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    public static PpoRun of(Ppo.Setup s) {
        try {
            List<String> prompts = new ArrayList<>();
            for (PromptRecord p : s.prompts()) prompts.add(JSON.writeValueAsString(p));
            return new PpoRun(JSON.writeValueAsString(s.config()), prompts, ModelFiles.of(s.policy()), ModelFiles.of(s.reference()),
                    s.goldJudgeReward() ? null : ModelFiles.of(s.rewardModel()), s.goldJudgeReward());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of the broadcast (the models' files; config and prompts are small beside them). */
    public long modelBytes() {
        return policy.bytes() + reference.bytes() + (rewardModel == null ? 0 : rewardModel.bytes());
    }

    PpoConfig config() {
        try {
            return ConfigLoader.JSON.readValue(configJson, PpoConfig.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<PromptRecord> prompts() {
        try {
            List<PromptRecord> out = new ArrayList<>();
            for (String p : promptsJson) out.add(JSON.readValue(p, PromptRecord.class));
            return out;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    RewardFn reward(Policy rewardModelPolicy) {
        return goldJudgeReward ? RewardFn.goldJudge(GoldJudge.load()) : RewardFn.rewardModel(rewardModelPolicy);
    }
}
