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
import org.rlhf4j.data.world.AnnotatorPool;
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
import org.rlhf4j.sft.Sft;
import org.rlhf4j.sft.SftConfig;

/**
 * {@code ./rlhf4j run}: the whole InstructGPT recipe, one directory per stage under the run directory:
 * <ol>
 *   <li>{@code sft/}: SFT of the shipped base model on the shipped demonstrations;</li>
 *   <li>{@code rankings/}: K responses per prompt sampled from the SFT policy, ranked by the simulated annotators
 *       (or shipped rankings);</li>
 *   <li>{@code reward/}: the reward model from those rankings;</li>
 *   <li>{@code ppo/} and {@code ppo-ptx/}: PPO without and with the pretraining mix;</li>
 *   <li>{@code eval/}: every policy evaluated, and the report.</li>
 * </ol>
 * Every stage config is validated before the first stage starts. A stage whose inputs and config are unchanged is
 * reused; an interrupted one is resumed; {@code --from STAGE} reruns that stage and everything after it.
 */
public final class Pipeline {
    public static final List<String> STAGES = List.of("sft", "rankings", "reward", "ppo", "ppo-ptx", "eval");
    static final ObjectMapper JSON = new ObjectMapper();

    private Pipeline() {}

    /** Every stage's resolved config, loaded (and so validated) up front. */
    record Plan(ConfigLoader.Loaded<SftConfig> sft, ConfigLoader.Loaded<RewardConfig> reward, ConfigLoader.Loaded<PpoConfig> ppo,
                ConfigLoader.Loaded<PpoConfig> ppoPtx, ConfigLoader.Loaded<EvalConfig> eval) {}

    public static ObjectNode run(ConfigLoader.Loaded<RunConfig> loaded, Path out, String from, List<String> command) throws IOException {
        RunConfig rc = loaded.config();
        if (from != null && !STAGES.contains(from)) throw new ConfigException("--from", List.of("--from: expected one of " + STAGES + ", got " + from));
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

        // 4. PPO and PPO-ptx
        String ppoFp = StageStore.fingerprint("ppo", plan.ppo().resolved(), rewardFp);
        force |= "ppo".equals(from);
        stage(out, "ppo", ppoFp, force, seconds, resume -> Ppo.run(plan.ppo(), out.resolve("ppo"), resume, sub(command, "ppo")));
        String ptxFp = StageStore.fingerprint("ppo-ptx", plan.ppoPtx().resolved(), rewardFp);
        force |= "ppo-ptx".equals(from);
        stage(out, "ppo-ptx", ptxFp, force, seconds, resume -> Ppo.run(plan.ppoPtx(), out.resolve("ppo-ptx"), resume, sub(command, "ppo-ptx")));

        // 5. evaluation and report
        String rmDir = rc.rewardCheckpointOrDefault();
        String evalFp = StageStore.fingerprint("eval", plan.eval().resolved(), baseFp, sftFp, rewardFp + "/" + rmDir, ppoFp, ptxFp);
        force |= "eval".equals(from);
        stage(out, "eval", evalFp, force, seconds, resume -> {
            List<Evaluate.Entry> entries = List.of(new Evaluate.Entry("base", base), new Evaluate.Entry("sft", out.resolve("sft/best")),
                    new Evaluate.Entry("ppo", out.resolve("ppo").resolve(TrainLoop.LAST)), new Evaluate.Entry("ppo-ptx", out.resolve("ppo-ptx").resolve(TrainLoop.LAST)));
            Evaluate.Outcome outcome = Evaluate.run(plan.eval().config(), entries, out.resolve("sft/best"), out.resolve("reward").resolve(rmDir));
            List<Curves> curves = List.of(Curves.read("ppo", out.resolve("ppo")), Curves.read("ppo-ptx", out.resolve("ppo-ptx")));
            Report.write(out.resolve("eval"), outcome, curves, context(out, seconds));
        });
        ObjectNode summary = context(out, seconds);
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
        if (!problems.isEmpty()) throw new ConfigException("(run)", problems);
        return new Plan(sft, reward, ppo, ptx, eval);
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

    /** The run's own record: seconds per stage, reward-model accuracy, PPO summaries. */
    static ObjectNode context(Path out, Map<String, Double> seconds) throws IOException {
        ObjectNode c = JSON.createObjectNode();
        ObjectNode s = c.putObject("stage_seconds");
        double total = 0;
        for (var e : seconds.entrySet()) {
            s.put(e.getKey(), e.getValue());
            if (!Double.isNaN(e.getValue())) total += e.getValue();
        }
        c.put("total_stage_seconds", total);
        for (String stage : List.of("sft", "reward", "ppo", "ppo-ptx")) {
            Path f = out.resolve(stage).resolve(TrainLoop.SUMMARY);
            if (Files.exists(f)) c.set(stage + "_summary", JSON.readTree(f.toFile()));
        }
        return c;
    }

    static List<String> sub(List<String> command, String stage) {
        List<String> c = new ArrayList<>(command);
        c.add("(stage " + stage + ")");
        return c;
    }
}
