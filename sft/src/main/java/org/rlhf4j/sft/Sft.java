package org.rlhf4j.sft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.rollout.GoldEval;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * {@code ./rlhf4j sft}: fine-tunes the base checkpoint on dialogues (loss on assistant tokens only), then judges the
 * base and the SFT policy on held-out prompts with the gold judges, per task family.
 */
public final class Sft {
    private Sft() {}

    public static TrainLoop.Result run(ConfigLoader.Loaded<SftConfig> loaded, Path out, boolean resume, List<String> command) throws IOException {
        SftConfig c = loaded.config();
        // 1. load and validate everything before any work starts
        var train = DataFiles.loadDialogues(c.train());
        var validation = DataFiles.loadDialogues(c.validation());
        var goldPrompts = DataFiles.loadPrompts(c.goldPrompts());
        Path basePath = Path.of(c.base());
        Policy policy = Checkpoint.loadPolicy(basePath);
        if (c.seqLen() > policy.config().contextLength())
            throw new ConfigException("seq_len", List.of("seq_len: expected <= the base model's n_positions=" + policy.config().contextLength() + ", got " + c.seqLen()));

        // 2. render dialogues with the chat template; the mask covers assistant tokens only
        var tr = LmExamples.fromDialogues(train, policy.chat(), c.seqLen());
        var va = LmExamples.fromDialogues(validation, policy.chat(), c.seqLen());
        var evalSet = va.examples().subList(0, Math.min(c.evalExamples(), va.examples().size()));

        // 3. the base model's gold score first (sampling is seeded: the same as after training), so no frozen copy of the
        //    base weights is held while training (at GPT-2 size that copy is 0.5 GB)
        GoldJudge judge = GoldJudge.load();
        GoldEval.Report before = GoldEval.evaluate(policy, goldPrompts, c.goldSampling().sampling(), c.seed(), judge);

        // 4. train
        ObjectNode prov = Provenance.create("sft", command, loaded.resolved(), DataFiles.sha256(c.train(), c.validation(), c.goldPrompts()), c.seed(), basePath);
        LmTask task = new LmTask(tr.examples(), evalSet, c.seqLen(), c.loop(), c.seed(), DataType.FLOAT);
        TrainLoop.Result r = new TrainLoop("sft", c.loop()).run(policy, task, out, prov, null, resume);

        // 5. gold judges on held-out prompts: the best SFT checkpoint against the base
        Policy sft = Checkpoint.loadPolicy(r.best());
        GoldEval.Report after = GoldEval.evaluate(sft, goldPrompts, c.goldSampling().sampling(), c.seed(), judge);
        ObjectNode s = r.summary();
        s.put("train_dialogues", train.size());
        s.put("train_dialogues_truncated", tr.truncated());
        s.put("assistant_tokens_per_epoch", tr.examples().stream().mapToInt(Example::targets).sum());
        ObjectNode gold = s.putObject("gold");
        gold.put("prompts", c.goldPrompts());
        gold.set("base", before.toJson());
        gold.set("sft", after.toJson());
        TrainLoop.writeJson(out.resolve(TrainLoop.SUMMARY), s);
        return r;
    }
}
