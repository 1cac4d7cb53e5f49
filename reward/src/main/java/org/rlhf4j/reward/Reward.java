package org.rlhf4j.reward;

import org.rlhf4j.data.rank.RewardEval;
import org.rlhf4j.data.rank.RankedPrompt;
import org.rlhf4j.data.rank.PairBatch;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.format.Dialogue;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.DataSpec;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * {@code ./rlhf4j reward}: trains the reward model (the SFT policy with a scalar reward head read at the EOS of
 * prompt + response) on K-way rankings, picks the checkpoint with the best held-out pairwise accuracy against the
 * annotators, then normalises its rewards on the SFT demonstrations (InstructGPT) and reports accuracy against the
 * annotators and the gold judge, by family and rank distance, and a calibration table.
 */
public final class Reward {
    private Reward() {}

    public static TrainLoop.Result run(ConfigLoader.Loaded<RewardConfig> loaded, Path out, boolean resume, List<String> command) throws IOException {
        RewardConfig c = loaded.config();
        // 1. load and validate everything before any work starts
        List<Ranking> train = DataFiles.loadRankings(c.train());
        List<Ranking> validation = DataFiles.loadRankings(c.validation());
        List<Dialogue> demos = DataFiles.loadDialogues(c.normalizeOn());
        Path sftPath = Path.of(c.sft());
        Policy sft = Checkpoint.loadPolicy(sftPath);
        if (c.seqLen() > sft.config().contextLength())
            throw new ConfigException("seq_len", List.of("seq_len: expected <= the SFT model's n_positions=" + sft.config().contextLength() + ", got " + c.seqLen()));

        // 2. the reward model: the SFT backbone plus a scalar reward head
        Policy rm = sft.withHead(Head.REWARD, c.seed());

        // 3. render every response as prompt + response + EOS; over-long rankings are dropped and counted
        RankedPrompt.Prepared tr = RankedPrompt.prepare(train, rm.chat(), c.seqLen());
        RankedPrompt.Prepared va = RankedPrompt.prepare(validation, rm.chat(), c.seqLen());
        if (tr.prompts().isEmpty()) throw new IllegalArgumentException(c.train() + ": no ranking fits seq_len=" + c.seqLen());
        if (va.prompts().isEmpty()) throw new IllegalArgumentException(c.validation() + ": no ranking fits seq_len=" + c.seqLen());
        List<RankedPrompt> evalSet = va.prompts().subList(0, Math.min(c.evalRankings(), va.prompts().size()));
        double[][] evalGold = RewardEval.goldScores(evalSet, GoldJudge.load());

        // 4. train; "best" is the highest held-out accuracy against the annotators
        ObjectNode prov = Provenance.create("reward", command, loaded.resolved(), org.rlhf4j.data.validate.DataFiles.sha256(c.train(), c.validation(), c.normalizeOn()), c.seed(), sftPath);
        RewardTask task = new RewardTask(tr.prompts(), evalSet, evalGold, c.seqLen(), c.mode(), c.margin(), c.loop(), c.seed(), DataType.FLOAT);
        TrainLoop.Result r = new TrainLoop("reward", c.loop()).run(rm, task, out, prov, null, resume);

        // 5. normalise best and last on the demonstrations: folded into the head, recorded in metadata.json
        Normalization.Demonstrations demoRows = Normalization.demonstrations(demos, rm, rm.config().contextLength());
        Normalization bestNorm = normalize(r.best(), demoRows, c);
        normalize(r.last(), demoRows, c);

        // 6. the held-out report of the (normalised) best checkpoint
        RewardEval.Report report = RewardTask.evaluate(Checkpoint.loadPolicy(r.best()), evalSet, evalGold, c.mode(), c.margin());
        ObjectNode s = r.summary();
        s.put("mode", c.mode().name().toLowerCase());
        s.put("margin", c.margin());
        s.put("train_rankings", tr.prompts().size());
        s.put("train_rankings_dropped_too_long", tr.droppedTooLong());
        s.put("train_pairs", PairBatch.pairCount(tr.prompts()));
        s.put("validation_rankings_scored", evalSet.size());
        s.put("validation_rankings_dropped_too_long", va.droppedTooLong());
        ObjectNode n = bestNorm.toJson();
        n.put("dialogues_skipped_not_single_turn", demoRows.notSingleTurn());
        n.put("dialogues_skipped_too_long", demoRows.tooLong());
        s.set("normalization", n);
        s.set("best_validation", report.toJson());
        // the ceiling to compare accuracy with: the annotators' mutual agreement on these same held-out responses
        // (only where the simulated annotators can judge: rankings of the embedded task world, with a task family)
        List<org.rlhf4j.data.format.Ranking> heldOut = validation.subList(0, Math.min(c.evalRankings(), validation.size()));
        if (heldOut.stream().allMatch(x -> x.family() != null && org.rlhf4j.data.world.TaskFamily.known(x.family())))
            s.put("annotator_agreement_on_validation", org.rlhf4j.data.world.AnnotatorAgreement.onRankings(
                    org.rlhf4j.data.world.AnnotatorPool.defaultPool(), heldOut, c.seed()));
        else
            s.put("annotator_agreement_on_validation", "not measured: the held-out rankings are not all from the embedded task world");
        TrainLoop.writeJson(out.resolve(TrainLoop.SUMMARY), s);
        return r;
    }

    /**
     * Fits the normalisation on the checkpoint in {@code dir}, folds it into the reward head and saves the checkpoint
     * again with the normalisation in its metadata (optimizer and trainer state kept, so "last" still resumes). A
     * checkpoint normalised before (a resumed, finished run) gets the composition of both.
     */
    static Normalization normalize(Path dir, Normalization.Demonstrations demos, RewardConfig c) throws IOException {
        Checkpoint.Contents ck = Checkpoint.load(dir);
        Normalization fitted = Normalization.fit(ck.policy(), demos, c.normalizeOn(), c.normalizeStd());
        fitted.foldInto(ck.policy());
        Normalization before = Normalization.fromMetadata(ck.metadata());
        Normalization total = before == null ? fitted : before.then(fitted);
        Checkpoint.save(dir, ck.policy(), ck.provenance(), ck.optimizer(), ck.trainerState(), metadata(total));
        return total;
    }

    static JsonNode metadata(Normalization n) {
        ObjectNode m = n.toJson();
        m.put("stage", "reward");
        return m;
    }
}
