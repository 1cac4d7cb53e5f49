package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.data.annotate.CandidateSampling;
import org.rlhf4j.data.annotate.SimulatedLabelling;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.data.rollout.SampleConfig;
import org.rlhf4j.data.format.JsonlWriter;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.rank.LossMode;
import org.rlhf4j.data.world.AnnotatorPool;
import org.rlhf4j.dpo.Dpo;
import org.rlhf4j.dpo.DpoConfig;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.config.ConfigException;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.io.AtomicFiles;
import org.rlhf4j.policy.train.TrainLoop;
import org.rlhf4j.ppo.Ppo;
import org.rlhf4j.ppo.PpoConfig;
import org.rlhf4j.reward.Reward;
import org.rlhf4j.reward.RewardConfig;
import org.rlhf4j.sft.Pretrain;
import org.rlhf4j.sft.PretrainConfig;
import org.rlhf4j.sft.Sft;
import org.rlhf4j.sft.SftConfig;

/**
 * {@code ./rlhf4j run}: the whole InstructGPT recipe, one directory per stage under the run directory:
 * <ol>
 *   <li>{@code sft/}: SFT of the shipped base model on the shipped demonstrations;</li>
 *   <li>{@code rankings/}: K responses per prompt sampled from the SFT policy, ranked by the simulated annotators
 *       (or shipped rankings);</li>
 *   <li>{@code reward/}: the reward model from those rankings (and {@code reward-pl/}, a Plackett-Luce one, when the
 *       run config asks for it);</li>
 *   <li>{@code ppo/} and {@code ppo-ptx/}: PPO without and with the pretraining mix;</li>
 *   <li>one directory per further method of the run config ({@code methods}: RLOO, GRPO, DPO, IPO, …);</li>
 *   <li>{@code eval/}: every policy evaluated, and the report.</li>
 * </ol>
 * Every stage config is validated before the first stage starts. A stage whose inputs and config are unchanged is
 * reused; an interrupted one is resumed; {@code --from STAGE} reruns that stage and everything after it.
 */
public final class Pipeline {
    public static final List<String> STAGES = List.of("sft", "rankings", "reward", "ppo", "ppo-ptx", "eval");
    static final ObjectMapper JSON = new ObjectMapper();

    private Pipeline() {}

    /** Every stage's name in the order it runs: {@link #STAGES} with reward-pl and the run's methods inserted. */
    public static List<String> stages(RunConfig rc) {
        List<String> s = new ArrayList<>(List.of("sft", "rankings", "reward"));
        if (rc.rewardPl() != null) s.add("reward-pl");
        s.addAll(List.of("ppo", "ppo-ptx"));
        for (RunConfig.Method m : rc.methods()) s.add(m.name());
        if (rc.findings() != null) s.addAll(List.of(RunConfig.Findings.BIG_PRETRAIN, RunConfig.Findings.BIG_SFT, RunConfig.Findings.OVEROPT));
        s.add("eval");
        return s;
    }

    /**
     * Every stage's resolved config, loaded (and so validated) up front; {@code rewardPl} is null unless configured, and
     * {@code methods} holds a {@code PpoConfig} or {@code DpoConfig} per method name, in run order.
     */
    record Plan(ConfigLoader.Loaded<SftConfig> sft, ConfigLoader.Loaded<RewardConfig> reward, ConfigLoader.Loaded<PpoConfig> ppo,
                ConfigLoader.Loaded<PpoConfig> ppoPtx, ConfigLoader.Loaded<EvalConfig> eval, ConfigLoader.Loaded<RewardConfig> rewardPl,
                Map<String, ConfigLoader.Loaded<?>> methods, ConfigLoader.Loaded<PretrainConfig> bigPretrain,
                ConfigLoader.Loaded<SftConfig> bigSft, ConfigLoader.Loaded<PpoConfig> overopt) {}

    public static ObjectNode run(ConfigLoader.Loaded<RunConfig> loaded, Path out, String from, List<String> command) throws IOException {
        RunConfig rc = loaded.config();
        if (from != null && !stages(rc).contains(from)) throw new ConfigException("--from", List.of("--from: expected one of " + stages(rc) + ", got " + from));
        Path base = Path.of(rc.base());
        Plan plan = plan(rc, out);
        Map<String, Double> seconds = new LinkedHashMap<>();
        boolean force = false;
        long t0 = System.nanoTime();

        // 1. SFT
        String baseFp = Provenance.sha256(base.resolve(Checkpoint.MANIFEST));
        String sftFp = StageStore.fingerprint("sft", plan.sft().resolved(), baseFp);
        force |= "sft".equals(from);
        stage(out, "sft", sftFp, force, seconds, resume -> Sft.run(plan.sft(), out.resolve("sft"), resume, sub(command, "sft")));

        // 2. rankings from the SFT policy and the simulated annotators
        ObjectNode rankCfg = JSON.valueToTree(rc.rankings());
        String rankFp = StageStore.fingerprint("rankings", rankCfg, sftFp);
        force |= "rankings".equals(from);
        stage(out, "rankings", rankFp, force, seconds, resume -> rankings(rc.rankings(), out.resolve("sft").resolve(TrainLoop.BEST), out.resolve("rankings"), rankCfg, command));

        // 3. reward model
        String rewardFp = StageStore.fingerprint("reward", plan.reward().resolved(), rankFp);
        force |= "reward".equals(from);
        stage(out, "reward", rewardFp, force, seconds, resume -> Reward.run(plan.reward(), out.resolve("reward"), resume, sub(command, "reward")));
        Map<String, String> rewardFps = new LinkedHashMap<>(Map.of("reward", rewardFp));
        if (plan.rewardPl() != null) {
            String plFp = StageStore.fingerprint("reward-pl", plan.rewardPl().resolved(), rankFp);
            force |= "reward-pl".equals(from);
            stage(out, "reward-pl", plFp, force, seconds, resume -> Reward.run(plan.rewardPl(), out.resolve("reward-pl"), resume, sub(command, "reward-pl")));
            rewardFps.put("reward-pl", plFp);
        }

        // 4. PPO and PPO-ptx
        String ppoFp = StageStore.fingerprint("ppo", plan.ppo().resolved(), rewardFp);
        force |= "ppo".equals(from);
        stage(out, "ppo", ppoFp, force, seconds, resume -> Ppo.run(plan.ppo(), out.resolve("ppo"), resume, sub(command, "ppo")));
        String ptxFp = StageStore.fingerprint("ppo-ptx", plan.ppoPtx().resolved(), rewardFp);
        force |= "ppo-ptx".equals(from);
        stage(out, "ppo-ptx", ptxFp, force, seconds, resume -> Ppo.run(plan.ppoPtx(), out.resolve("ppo-ptx"), resume, sub(command, "ppo-ptx")));

        // 4b. the further methods: PPO modes against either reward model, DPO/IPO on the rankings
        List<String> methodFps = new ArrayList<>();
        List<Evaluate.Entry> methodEntries = new ArrayList<>();
        List<Curves> methodCurves = new ArrayList<>();
        for (RunConfig.Method m : rc.methods()) {
            ConfigLoader.Loaded<?> cfg = plan.methods().get(m.name());
            boolean isPpo = "ppo".equals(m.stage());
            String fp = StageStore.fingerprint(m.name(), cfg.resolved(), isPpo ? rewardFps.get(m.rewardStage()) : rankFp);
            force |= m.name().equals(from);
            Path dir = out.resolve(m.name());
            if (isPpo) stage(out, m.name(), fp, force, seconds, resume -> Ppo.run(cast(cfg, PpoConfig.class), dir, resume, sub(command, m.name())));
            else stage(out, m.name(), fp, force, seconds, resume -> Dpo.run(cast(cfg, DpoConfig.class), dir, resume, sub(command, m.name())));
            methodFps.add(fp);
            methodEntries.add(new Evaluate.Entry(m.name(), dir.resolve(isPpo ? TrainLoop.LAST : TrainLoop.BEST)));
            if (isPpo) methodCurves.add(Curves.read(m.name(), dir));
        }

        // 4c. the findings' own stages: a bigger model by the same pretraining command and its SFT; a PPO run whose
        // snapshots are the points of the over-optimisation curve
        if (rc.findings() != null) {
            String bpFp = StageStore.fingerprint(RunConfig.Findings.BIG_PRETRAIN, plan.bigPretrain().resolved());
            force |= RunConfig.Findings.BIG_PRETRAIN.equals(from);
            stage(out, RunConfig.Findings.BIG_PRETRAIN, bpFp, force, seconds,
                    resume -> Pretrain.run(plan.bigPretrain(), out.resolve(RunConfig.Findings.BIG_PRETRAIN), resume, sub(command, RunConfig.Findings.BIG_PRETRAIN)));
            String bsFp = StageStore.fingerprint(RunConfig.Findings.BIG_SFT, plan.bigSft().resolved(), bpFp);
            force |= RunConfig.Findings.BIG_SFT.equals(from);
            stage(out, RunConfig.Findings.BIG_SFT, bsFp, force, seconds,
                    resume -> Sft.run(plan.bigSft(), out.resolve(RunConfig.Findings.BIG_SFT), resume, sub(command, RunConfig.Findings.BIG_SFT)));
            String ooFp = StageStore.fingerprint(RunConfig.Findings.OVEROPT, plan.overopt().resolved(), rewardFp);
            force |= RunConfig.Findings.OVEROPT.equals(from);
            stage(out, RunConfig.Findings.OVEROPT, ooFp, force, seconds,
                    resume -> Ppo.run(plan.overopt(), out.resolve(RunConfig.Findings.OVEROPT), resume, sub(command, RunConfig.Findings.OVEROPT)));
            methodFps.addAll(List.of(bsFp, ooFp));
            methodEntries.add(new Evaluate.Entry(RunConfig.Findings.SFT_BIG, out.resolve(RunConfig.Findings.BIG_SFT).resolve(TrainLoop.BEST)));
        }

        // 5. evaluation and report
        String rmDir = rc.rewardCheckpointOrDefault();
        List<String> evalInputs = new ArrayList<>(List.of(baseFp, sftFp, rewardFp + "/" + rmDir, ppoFp, ptxFp));
        evalInputs.addAll(methodFps);
        if (plan.rewardPl() != null) evalInputs.add(rewardFps.get("reward-pl"));
        String evalFp = StageStore.fingerprint("eval", plan.eval().resolved(), evalInputs.toArray(String[]::new));
        force |= "eval".equals(from);
        stage(out, "eval", evalFp, force, seconds, resume -> {
            List<Evaluate.Entry> entries = new ArrayList<>(List.of(new Evaluate.Entry("base", base), new Evaluate.Entry("sft", out.resolve("sft/best")),
                    new Evaluate.Entry("ppo", out.resolve("ppo").resolve(TrainLoop.LAST)), new Evaluate.Entry("ppo-ptx", out.resolve("ppo-ptx").resolve(TrainLoop.LAST))));
            entries.addAll(methodEntries);
            Evaluate.Outcome outcome = Evaluate.run(plan.eval().config(), entries, out.resolve("sft/best"), out.resolve("reward").resolve(rmDir));
            List<Curves> curves = new ArrayList<>(List.of(Curves.read("ppo", out.resolve("ppo")), Curves.read("ppo-ptx", out.resolve("ppo-ptx"))));
            curves.addAll(methodCurves);
            ObjectNode ctx = context(out, seconds, rc);
            outcome.summary().set("findings", Findings.measure(plan.eval().config(), rc.findings(), outcome, ctx,
                        out.resolve("sft/best"), out.resolve("reward").resolve(rmDir), out.resolve(RunConfig.Findings.OVEROPT),
                        out.resolve(RunConfig.Findings.BIG_PRETRAIN).resolve(TrainLoop.BEST), base));
            Report.write(out.resolve("eval"), outcome, curves, ctx);
        });
        ObjectNode summary = context(out, seconds, rc);
        summary.put("wall_seconds_this_invocation", (System.nanoTime() - t0) / 1e9);
        TrainLoop.writeJson(out.resolve("run-summary.json"), summary);
        return summary;
    }

    /** Loads every stage config with the chaining paths filled in; all problems surface before any work. */
    static Plan plan(RunConfig rc, Path out) {
        List<String> problems = new ArrayList<>();
        var sft = load(rc.sft(), SftConfig.class, List.of("base=" + rc.base()), problems);
        var reward = load(rc.reward(), RewardConfig.class, List.of("sft=" + out.resolve("sft/best"),
                "train=" + out.resolve("rankings/train.jsonl"), "validation=" + out.resolve("rankings/validation.jsonl")), problems);
        List<String> chain = List.of("sft=" + out.resolve("sft/best"), "reward_model=" + out.resolve("reward").resolve(rc.rewardCheckpointOrDefault()));
        var ppo = load(rc.ppo(), PpoConfig.class, chain, problems);
        var ptx = load(rc.ppoPtx(), PpoConfig.class, chain, problems);
        var eval = load(rc.eval(), EvalConfig.class, List.of(), problems);
        ConfigLoader.Loaded<RewardConfig> rewardPl = null;
        if (rc.rewardPl() != null) {
            rewardPl = load(rc.rewardPl(), RewardConfig.class, List.of("sft=" + out.resolve("sft/best"),
                    "train=" + out.resolve("rankings/train.jsonl"), "validation=" + out.resolve("rankings/validation.jsonl")), problems);
            if (rewardPl != null && rewardPl.config().mode() != LossMode.PLACKETT_LUCE)
                problems.add("reward_pl: expected a reward config with mode plackett_luce, got " + rewardPl.config().mode().name().toLowerCase());
        }
        Map<String, ConfigLoader.Loaded<?>> methods = new LinkedHashMap<>();
        for (RunConfig.Method m : rc.methods()) {
            ConfigLoader.Loaded<?> l;
            if ("ppo".equals(m.stage()))
                l = load(m.ref(), PpoConfig.class, List.of("sft=" + out.resolve("sft/best"), "reward_model=" + out.resolve(m.rewardStage()).resolve(rc.rewardCheckpointOrDefault())), problems);
            else
                l = load(m.ref(), DpoConfig.class, List.of("sft=" + out.resolve("sft/best"),
                        "train=" + out.resolve("rankings/train.jsonl"), "validation=" + out.resolve("rankings/validation.jsonl")), problems);
            methods.put(m.name(), l);
        }
        ConfigLoader.Loaded<PretrainConfig> bigPretrain = null;
        ConfigLoader.Loaded<SftConfig> bigSft = null;
        ConfigLoader.Loaded<PpoConfig> overopt = null;
        RunConfig.Findings f = rc.findings();
        if (f != null && f.bigPretrain() != null && f.bigSft() != null && f.overoptimisation() != null) {
            bigPretrain = load(f.bigPretrain(), PretrainConfig.class, List.of(), problems);
            bigSft = load(f.bigSft(), SftConfig.class, List.of("base=" + out.resolve(RunConfig.Findings.BIG_PRETRAIN).resolve(TrainLoop.BEST)), problems);
            overopt = load(f.overoptimisation(), PpoConfig.class, chain, problems);
            if (overopt != null) {
                PpoConfig o = overopt.config();
                if (o.snapshotEvery() == null || o.iterations() / o.snapshotEvery() < f.minSnapshots())
                    problems.add("findings.overoptimisation: expected snapshot_every with iterations / snapshot_every >= " + f.minSnapshots()
                            + " (min_snapshots), got iterations " + o.iterations() + ", snapshot_every " + o.snapshotEvery());
            }
            if (eval != null && !eval.config().bestOfN().contains(1))
                problems.add("eval: findings need best_of_n to include 1 (the d = 0 point of the best-of-n curve), got " + eval.config().bestOfN());
        }
        if (!problems.isEmpty()) throw new ConfigException("(run)", problems);
        return new Plan(sft, reward, ppo, ptx, eval, rewardPl, methods, bigPretrain, bigSft, overopt);
    }

    @SuppressWarnings("unchecked")
    static <T> ConfigLoader.Loaded<T> cast(ConfigLoader.Loaded<?> l, Class<T> type) {
        if (!type.isInstance(l.config())) throw new IllegalStateException("expected a " + type.getSimpleName() + ", got " + l.config().getClass().getSimpleName());
        return (ConfigLoader.Loaded<T>) l;
    }

    static <T> ConfigLoader.Loaded<T> load(RunConfig.StageRef ref, Class<T> type, List<String> chain, List<String> problems) {
        List<String> overrides = new ArrayList<>(chain);
        overrides.addAll(ref.set() == null ? List.of() : ref.set());
        try {
            return ConfigLoader.load(Path.of(ref.config()), type, overrides);
        } catch (ConfigException e) {
            for (String p : e.problems()) problems.add(ref.config() + ": " + p);
            return null;
        }
    }

    /** A stage body; {@code resume} says whether to continue an interrupted run of it. */
    @FunctionalInterface
    interface Body {
        void run(boolean resume) throws IOException;
    }

    static void stage(Path out, String name, String fingerprint, boolean force, Map<String, Double> seconds, Body body) throws IOException {
        Path dir = out.resolve(name);
        StageStore.State st = force ? StageStore.State.FRESH : StageStore.state(dir, fingerprint);
        if (st == StageStore.State.REUSE) {
            System.err.println("[run] " + name + ": reused (inputs and config unchanged)");
            seconds.put(name, StageStore.seconds(dir));
            return;
        }
        if (st == StageStore.State.FRESH && Files.exists(dir)) AtomicFiles.deleteTree(dir);
        System.err.println("[run] " + name + (st == StageStore.State.RESUME ? ": resuming" : ": running"));
        StageStore.started(dir, name, fingerprint);
        long t = System.nanoTime();
        body.run(st == StageStore.State.RESUME);
        double s = (System.nanoTime() - t) / 1e9;
        StageStore.done(dir, name, fingerprint, s);
        seconds.put(name, s);
    }

    /** Step 2: K responses per prompt from SFT, ranked by the simulated pool (or the shipped rankings, copied). */
    static void rankings(RunConfig.Rankings r, Path sftCheckpoint, Path dir, ObjectNode resolved, List<String> command) throws IOException {
        Files.createDirectories(dir);
        ObjectNode report = JSON.createObjectNode();
        if ("shipped".equals(r.source())) {
            List<Ranking> train = DataFiles.loadRankings(r.shippedTrain()), val = DataFiles.loadRankings(r.shippedValidation());
            JsonlWriter.write(dir.resolve("train.jsonl"), train);
            JsonlWriter.write(dir.resolve("validation.jsonl"), val);
            report.put("train", train.size()).put("validation", val.size()).put("source", "shipped");
        } else {
            Policy sft = Checkpoint.loadPolicy(sftCheckpoint);
            AnnotatorPool pool = AnnotatorPool.defaultPool();
            for (String split : List.of("train", "validation")) {
                List<PromptRecord> prompts = DataFiles.loadPrompts(split.equals("train") ? r.promptsTrain() : r.promptsValidation());
                int limit = split.equals("train") ? r.trainLimit() : r.validationLimit();
                if (limit > 0 && prompts.size() > limit) prompts = prompts.subList(0, limit);
                long seed = r.seed() * 31 + (split.equals("train") ? 0 : 1);
                Sampled c = sample(sft, prompts, r, seed, sftCheckpoint.toString());
                List<Ranking> ranked = SimulatedLabelling.rank(c.candidates(), pool, seed);
                JsonlWriter.write(dir.resolve(split + ".jsonl"), ranked);
                report.putObject(split).put("prompts", prompts.size()).put("rankings", ranked.size()).put("dropped", c.dropped()).put("resampled", c.resampled());
            }
        }
        ObjectNode prov = Provenance.create("rankings", sub(command, "rankings"), resolved, Map.of(), r.seed(), "shipped".equals(r.source()) ? null : sftCheckpoint);
        prov.set("result", report);
        TrainLoop.writeJson(dir.resolve("provenance.json"), prov);
    }

    /** Candidates for ranking, and how many prompts were dropped or responses resampled on the way. */
    record Sampled(List<Candidates> candidates, int dropped, int resampled) {}

    /**
     * K responses per prompt: all at the sampling temperature, or K/n at each of n temperatures, merged per prompt
     * (a prompt whose groups produced the same response twice is dropped and counted).
     */
    static Sampled sample(Policy sft, List<PromptRecord> prompts, RunConfig.Rankings r, long seed, String checkpoint) {
        if (r.temperatures() == null) {
            CandidateSampling.Result c = CandidateSampling.sample(sft, prompts, r.k(), r.sampling().sampling(), seed, checkpoint);
            return new Sampled(c.candidates(), c.dropped().size(), c.resampled());
        }
        int per = r.k() / r.temperatures().size(), resampled = 0;
        Map<String, List<Candidates>> byId = new LinkedHashMap<>();
        for (int g = 0; g < r.temperatures().size(); g++) {
            SampleConfig s = r.sampling();
            SampleConfig at = new SampleConfig(r.temperatures().get(g), s.topP(), s.maxNewTokens(), s.greedy());
            CandidateSampling.Result c = CandidateSampling.sample(sft, prompts, per, at.sampling(), seed * 1_000_003L + g, checkpoint);
            resampled += c.resampled();
            for (Candidates x : c.candidates()) byId.computeIfAbsent(x.id(), k -> new ArrayList<>()).add(x);
        }
        List<Candidates> merged = new ArrayList<>();
        int dropped = 0;
        for (List<Candidates> groups : byId.values()) {
            List<String> responses = new ArrayList<>();
            List<Boolean> eos = new ArrayList<>();
            List<ResponseSource> sources = new ArrayList<>();
            for (Candidates x : groups) {
                responses.addAll(x.responses());
                eos.addAll(x.eos());
                sources.addAll(x.sources());
            }
            if (groups.size() != r.temperatures().size() || new java.util.HashSet<>(responses).size() != responses.size()) {
                dropped++;
                continue;
            }
            Candidates f = groups.get(0);
            merged.add(new Candidates(f.id(), f.prompt(), f.family(), f.split(), f.gold(), responses, eos, sources));
        }
        return new Sampled(merged, dropped + prompts.size() - byId.size(), resampled);
    }

    /**
     * The run's own record: seconds per stage, every stage's summary (reward-model accuracy, PPO and DPO figures), and
     * per method what it cost: tokens generated and trained, stage seconds.
     */
    static ObjectNode context(Path out, Map<String, Double> seconds, RunConfig rc) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        ObjectNode s = c.putObject("stage_seconds");
        double total = 0;
        for (var e : seconds.entrySet()) {
            s.put(e.getKey(), e.getValue());
            if (!Double.isNaN(e.getValue())) total += e.getValue();
        }
        c.put("total_stage_seconds", total);
        for (String stage : stages(rc)) {
            Path f = out.resolve(stage).resolve(TrainLoop.SUMMARY);
            if (!stage.equals("eval") && Files.exists(f)) c.set(stage + "_summary", JSON.readTree(f.toFile()));
        }
        ObjectNode costs = c.putObject("costs");
        costs.set("sft", Costs.ofStage(out.resolve("sft"), "sft", seconds.get("sft")));
        for (String stage : List.of("ppo", "ppo-ptx")) costs.set(stage, Costs.ofStage(out.resolve(stage), "ppo", seconds.get(stage)));
        for (RunConfig.Method m : rc.methods()) {
            ObjectNode k = Costs.ofStage(out.resolve(m.name()), m.stage(), seconds.get(m.name()));
            k.put("stage", m.stage());
            if ("ppo".equals(m.stage())) k.put("reward_model", m.rewardStage());
            costs.set(m.name(), k);
        }
        c.put("reward_pl", rc.rewardPl() != null);
        return c;
    }

    static List<String> sub(List<String> command, String stage) {
        List<String> c = new ArrayList<>(command);
        c.add("(stage " + stage + ")");
        return c;
    }
}
