package org.rlhf4j.dpo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.rank.PairBatch;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.RewardEval;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * {@code ./rlhf4j dpo}: DPO or IPO from the SFT checkpoint, with a frozen copy of it as the reference, on K-way
 * rankings; keeps the checkpoint with the lowest held-out loss and reports the implicit reward's held-out accuracy
 * against the annotators and the gold judge. The output is a plain policy checkpoint ({@code best/}, {@code last/}),
 * the layout SFT writes.
 */
public final class Dpo {
    private Dpo() {}

    public static TrainLoop.Result run(ConfigLoader.Loaded<DpoConfig> loaded, Path out, boolean resume, List<String> command) throws IOException {
        DpoConfig c = loaded.config();
        // 1. load and validate everything before any work starts
        List<Ranking> train = DataFiles.loadRankings(c.train());
        List<Ranking> validation = DataFiles.loadRankings(c.validation());
        Path sftPath = Path.of(c.sft());
        Policy policy = Checkpoint.loadPolicy(sftPath);
        if (c.seqLen() > policy.config().contextLength())
            throw new ConfigException("seq_len", List.of("seq_len: expected <= the SFT model's n_positions=" + policy.config().contextLength() + ", got " + c.seqLen()));
        Policy reference = policy.frozenCopy();

        // 2. the reward model's rows: prompt + response i + EOS, over-long rankings dropped and counted
        RankedPrompt.Prepared tr = RankedPrompt.prepare(train, policy.chat(), c.seqLen());
        RankedPrompt.Prepared va = RankedPrompt.prepare(validation, policy.chat(), c.seqLen());
        if (tr.prompts().isEmpty()) throw new IllegalArgumentException(c.train() + ": no ranking fits seq_len=" + c.seqLen());
        if (va.prompts().isEmpty()) throw new IllegalArgumentException(c.validation() + ": no ranking fits seq_len=" + c.seqLen());
        List<RankedPrompt> evalSet = va.prompts().subList(0, Math.min(c.evalRankings(), va.prompts().size()));
        double[][] evalGold = RewardEval.goldScores(evalSet, GoldJudge.load());

        // 3. train
        ObjectNode prov = Provenance.create("dpo", command, loaded.resolved(), DataFiles.sha256(c.train(), c.validation()), c.seed(), sftPath);
        DpoTask task = new DpoTask(tr.prompts(), evalSet, evalGold, reference, c);
        TrainLoop.Result r = new TrainLoop("dpo", c.loop()).run(policy, task, out, prov, null, resume);

        // 4. the held-out report of "best"
        RewardEval.Report report = task.report(Checkpoint.loadPolicy(r.best()));
        ObjectNode s = r.summary();
        s.put("loss", c.loss().name().toLowerCase());
        s.put("beta", c.beta());
        s.put("pairs", c.pairs().name().toLowerCase());
        s.put("train_rankings", tr.prompts().size());
        s.put("train_rankings_dropped_too_long", tr.droppedTooLong());
        s.put("train_pairs", PairBatch.pairCount(tr.prompts()));
        s.put("validation_rankings_scored", evalSet.size());
        s.put("validation_rankings_dropped_too_long", va.droppedTooLong());
        s.set("best_validation_implicit_reward", report.toJson());
        TrainLoop.writeJson(out.resolve(TrainLoop.SUMMARY), s);
        return r;
    }
}
