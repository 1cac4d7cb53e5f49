package org.rlhf4j.ppo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.GoldEval;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.validate.DataSpec;
import org.rlhf4j.data.world.GoldJudge;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.model.GptWeights;
import org.rlhf4j.policy.model.GptWeights.Head;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * {@code ./rlhf4j ppo}: the third stage of the InstructGPT recipe (PPO, or the critic-free RLOO and GRPO, chosen by
 * {@code algorithm}). Loads the SFT policy and the reward model, trains with {@link PpoTrainer}, then judges the SFT
 * and the PPO policy side by side on held-out prompts with the gold judges
 * (same sampling, same seed) and measures both policies' perplexity on held-out pretraining text (the alignment tax).
 */
public final class Ppo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Ppo() {}

    /** The three roles, built from the two checkpoints. */
    record Roles(Policy policy, Policy reference, Policy rewardModel) {}

    /** Everything a run reads, loaded and checked before any work starts. */
    record Inputs(Checkpoint.Contents sft, Checkpoint.Contents rewardModel, List<PromptRecord> prompts, int promptsTooLong,
                  List<PretrainDoc> ptxDocs, List<PromptRecord> evalPrompts, List<PretrainDoc> evalDocs) {}

    public static PpoTrainer.Result run(ConfigLoader.Loaded<PpoConfig> loaded, Path out, boolean resume, List<String> command) throws IOException {
        PpoConfig c = loaded.config();
        // 1. load and check every input; all problems at once
        Inputs in = load(c);
        // 2. the roles: policy = SFT (+ value head in PPO), reference = frozen SFT, reward model
        Roles roles = roles(c, in);
        // 3. provenance: the SFT checkpoint is the parent; the reward model's provenance travels alongside
        ObjectNode prov = Provenance.create("ppo", command, loaded.resolved(),
                org.rlhf4j.data.validate.DataFiles.sha256(c.prompts(), c.ptxOn() ? c.ptx().data() : null, c.eval().prompts(), c.eval().pretrain()), c.seed(), Path.of(c.sft()));
        ObjectNode rm = prov.putObject("reward_model");
        rm.put("path", Path.of(c.rewardModel()).toAbsolutePath().normalize().toString());
        rm.put("manifest_sha256", Provenance.sha256(Path.of(c.rewardModel()).resolve(Checkpoint.MANIFEST)));
        rm.set("provenance", in.rewardModel().provenance());
        ObjectNode meta = JSON.createObjectNode();
        meta.put("stage", "ppo");
        meta.put("algorithm", c.algorithmOrDefault().wireName());
        meta.put("samples_per_prompt", c.k());
        meta.put("kl_penalty", c.klPenaltyOrDefault().wireName());
        if (c.critic()) meta.put("value_head_init", c.valueHeadInit().wireName());
        meta.put("temperature", c.rollout().temperature());
        meta.put("reward_model", c.rewardModel());
        // 4. train
        GoldJudge judge = GoldJudge.load();
        RewardFn scorer = PpoConfig.Reward.GOLD_JUDGE.equals(c.reward().sourceOrDefault()) ? RewardFn.goldJudge(judge) : RewardFn.rewardModel(roles.rewardModel());
        meta.put("reward_source", c.reward().sourceOrDefault());
        PpoTrainer trainer = new PpoTrainer(c, roles.policy(), roles.reference(), scorer, in.prompts(), in.ptxDocs(), judge);
        PpoTrainer.Result r = trainer.run(out, prov, meta, resume);
        // 5. held-out evaluation, SFT (the reference) next to the final PPO policy
        ObjectNode s = r.summary();
        if (c.critic()) s.put("value_head_init", c.valueHeadInit().wireName());
        s.put("prompts_left_out_too_long", in.promptsTooLong());
        if (!in.evalPrompts().isEmpty()) {

            GoldEval.Report sft = GoldEval.evaluate(roles.reference(), in.evalPrompts(), c.eval().sampling().sampling(), c.seed(), judge);
            GoldEval.Report ppo = GoldEval.evaluate(roles.policy(), in.evalPrompts(), c.eval().sampling().sampling(), c.seed(), judge);
            ObjectNode gold = s.putObject("gold_heldout");
            gold.put("prompts", c.eval().prompts());
            gold.set("sft", sft.toJson());
            gold.set("ppo", ppo.toJson());
        }
        if (!in.evalDocs().isEmpty()) {
            ObjectNode tax = s.putObject("pretrain_heldout");
            tax.put("data", c.eval().pretrain());
            tax.put("docs", in.evalDocs().size());
            double sftNll = meanNll(roles.reference(), in.evalDocs()), ppoNll = meanNll(roles.policy(), in.evalDocs());
            tax.put("sft_nll", sftNll);
            tax.put("sft_ppl", Math.exp(sftNll));
            tax.put("ppo_nll", ppoNll);
            tax.put("ppo_ppl", Math.exp(ppoNll));
        }
        TrainLoop.writeJson(out.resolve(PpoTrainer.SUMMARY), s);
        return r;
    }

    static Inputs load(PpoConfig c) {
        List<String> problems = new ArrayList<>();
        Checkpoint.Contents sft = attempt(problems, "sft", () -> Checkpoint.load(Path.of(c.sft())));
        Checkpoint.Contents rm = attempt(problems, "reward_model", () -> Checkpoint.load(Path.of(c.rewardModel())));
        List<PromptRecord> prompts = attempt(problems, "prompts", () -> DataFiles.loadPrompts(c.prompts()));
        List<PretrainDoc> ptx = c.ptxOn() ? attempt(problems, "ptx.data", () -> DataFiles.loadPretrain(c.ptx().data())) : List.of();
        List<PromptRecord> evalPrompts = c.eval().maxPrompts() > 0 ? attempt(problems, "eval.prompts", () -> DataFiles.loadPrompts(c.eval().prompts())) : List.of();
        List<PretrainDoc> evalDocs = c.eval().pretrainDocs() > 0 ? attempt(problems, "eval.pretrain", () -> DataFiles.loadPretrain(c.eval().pretrain())) : List.of();
        List<PromptRecord> fitting = new ArrayList<>();
        if (sft != null) {
            Policy p = sft.policy();
            int ctx = p.config().contextLength();
            if (c.rollout().seqLen() + 1 > ctx)
                problems.add("rollout: prompt_max_tokens + max_new_tokens = " + c.rollout().seqLen() + " leaves no room for the EOS the reward model reads; expected <= n_positions - 1 = " + (ctx - 1));
            if (c.ptxOn() && c.ptx().seqLen() > ctx) problems.add("ptx.seq_len: expected <= the SFT model's n_positions=" + ctx + ", got " + c.ptx().seqLen());
            if (rm != null) problems.addAll(compatibility(c, p, rm.policy()));
            if (prompts != null) {
                for (PromptRecord pr : prompts) if (p.chat().renderPrompt(pr.prompt()).length <= c.rollout().promptMaxTokens()) fitting.add(pr);
                if (fitting.isEmpty()) problems.add("prompts: none of the " + prompts.size() + " prompts renders to <= rollout.prompt_max_tokens=" + c.rollout().promptMaxTokens() + " tokens");
            }
        }
        if (!problems.isEmpty()) throw new ConfigException("ppo", problems);
        evalPrompts = evalPrompts.subList(0, Math.min(c.eval().maxPrompts(), evalPrompts.size()));
        evalDocs = evalDocs.subList(0, Math.min(c.eval().pretrainDocs(), evalDocs.size()));
        return new Inputs(sft, rm, fitting, prompts.size() - fitting.size(), ptx, evalPrompts, evalDocs);
    }

    /** What must agree between the SFT policy and the reward model. */
    static List<String> compatibility(PpoConfig c, Policy sft, Policy rm) {
        List<String> p = new ArrayList<>();
        if (!rm.weights().hasHead(Head.REWARD)) p.add("reward_model: " + c.rewardModel() + " has no reward head (reward_head.weight)");
        if (!Objects.equals(rm.tokenizer().spec(), sft.tokenizer().spec()))
            p.add("reward_model: its tokenizer " + rm.tokenizer().spec() + " differs from the SFT policy's " + sft.tokenizer().spec() + " (it scores the policy's token ids)");
        if (c.rollout().seqLen() + 1 > rm.config().contextLength())
            p.add("rollout: prompt + response + EOS (" + (c.rollout().seqLen() + 1) + " tokens) exceeds the reward model's n_positions=" + rm.config().contextLength());
        if (c.critic() && c.valueHeadInit() == PpoConfig.ValueHeadInit.REWARD_MODEL && rm.config().dModel() != sft.config().dModel())
            p.add("value_head_init: \"reward_model\" needs equal widths, but the reward model has n_embd=" + rm.config().dModel() + " and the SFT policy " + sft.config().dModel() + " (use \"random\")");
        return p;
    }

    static Roles roles(PpoConfig c, Inputs in) {
        Policy sft = in.sft().policy();
        GptWeights backbone = PtxBatches.backbone(sft.weights());
        Policy reference = new Policy(sft.config(), sft.tokenizer(), backbone.copy());
        Policy rm = in.rewardModel().policy();
        if (!c.critic()) return new Roles(new Policy(sft.config(), sft.tokenizer(), backbone), reference, rm);   // RLOO, GRPO: no value head
        GptWeights withValue = switch (c.valueHeadInit()) {
            case REWARD_MODEL -> backbone.withHeadFrom(Head.VALUE, rm.weights().get(Head.REWARD.weight), rm.weights().get(Head.REWARD.bias));
            case RANDOM -> backbone.withHead(Head.VALUE, c.seed());
            case ZERO -> {
                INDArray w = rm.weights().get(Head.REWARD.weight);
                yield backbone.withHeadFrom(Head.VALUE, Nd4j.zeros(w.dataType(), w.shape()), Nd4j.zeros(w.dataType(), 1));
            }
        };
        return new Roles(new Policy(sft.config(), sft.tokenizer(), withValue), reference, rm);
    }

    /** Mean next-token NLL per token of BOS + text + EOS (cut to the context) over the documents. */
    static double meanNll(Policy p, List<PretrainDoc> docs) {
        List<int[]> seqs = new ArrayList<>();
        int ctx = p.config().contextLength();
        for (PretrainDoc d : docs) {
            int[] text = p.tokenizer().encode(d.text());
            int n = Math.min(ctx, text.length + 2);
            int[] ids = new int[n];
            ids[0] = p.tokenizer().bos();
            System.arraycopy(text, 0, ids, 1, Math.min(text.length, n - 1));
            if (text.length + 2 <= ctx) ids[n - 1] = p.tokenizer().eos();
            seqs.add(ids);
        }
        double nll = 0;
        long count = 0;
        for (float[] lp : p.score(seqs, 1.0, false, false).tokenLogprobs()) {
            for (float v : lp) nll -= v;
            count += lp.length;
        }
        return nll / Math.max(1, count);
    }

    @FunctionalInterface
    private interface Loader<T> {
        T load() throws Exception;
    }

    private static <T> T attempt(List<String> problems, String key, Loader<T> loader) {
        try {
            return loader.load();
        } catch (Exception e) {
            problems.add(key + ": " + e.getMessage());
            return null;
        }
    }
}
