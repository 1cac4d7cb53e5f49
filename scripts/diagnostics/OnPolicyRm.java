import java.nio.file.Path;
import java.util.*;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.data.world.*;
import org.rlhf4j.policy.Nd4jDefaults;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Checkpoint;
import org.rlhf4j.policy.generate.SamplingConfig;

/**
 * How much gold signal reward models carry on the policy's own samples (what PPO sees), not on the rankings' mix of
 * temperatures. Samples K responses per prompt at temperature T from an SFT checkpoint, judges them with the gold
 * judge, and prints: the share of gold-tied pairs, the simulated annotators' agreement with gold on the others, the
 * oracle best-of-K gold, and for each reward model its accuracy against gold on non-tied pairs and its best-of-K gold.
 *
 * <pre>
 *   mvn -q -DskipTests package     # cli/target/lib holds every module and dependency
 *   java -cp 'cli/target/lib/*' scripts/diagnostics/OnPolicyRm.java SFT_DIR PROMPTS N_PROMPTS K T RM_DIR...
 *   java -cp 'cli/target/lib/*' scripts/diagnostics/OnPolicyRm.java runs/quickstart/sft/best \
 *        embedded:prompts.validation.jsonl.gz 120 4 0.7 runs/quickstart/reward/best
 * </pre>
 */
public class OnPolicyRm {
    public static void main(String[] a) throws Exception {
        Nd4jDefaults.apply();
        Policy sft = Checkpoint.load(Path.of(a[0])).policy();
        List<PromptRecord> prompts = DataFiles.loadPrompts(a[1]);
        int n = Integer.parseInt(a[2]), k = Integer.parseInt(a[3]);
        double t = Double.parseDouble(a[4]);
        prompts = prompts.subList(0, Math.min(n, prompts.size()));
        List<PromptRecord> rep = new ArrayList<>();
        for (PromptRecord p : prompts) for (int j = 0; j < k; j++) rep.add(p);
        List<Rollouts.Sample> s = Rollouts.sample(sft, rep, SamplingConfig.sample(t, 64), 99, 32);
        GoldJudge judge = GoldJudge.load();
        double[] gold = new double[s.size()];
        for (int i = 0; i < s.size(); i++) gold[i] = judge.score(Rollouts.info(s.get(i).prompt()), s.get(i).text(), s.get(i).eos()).score();
        AnnotatorPool pool = AnnotatorPool.defaultPool();
        Random rng = new Random(5);
        int nonTied = 0, annOk = 0; double absd = 0;
        for (int p = 0; p < prompts.size(); p++) for (int i = 0; i < k; i++) for (int j = i + 1; j < k; j++) {
            int x = p * k + i, y = p * k + j;
            if (gold[x] == gold[y]) continue;
            nonTied++; absd += Math.abs(gold[x] - gold[y]);
            boolean fw = pool.compare(Rollouts.info(s.get(x).prompt()), s.get(x).text(), s.get(x).eos(), s.get(y).text(), s.get(y).eos(), rng).firstWins();
            if (fw == (gold[x] > gold[y])) annOk++;
        }
        int pairs = prompts.size() * k * (k - 1) / 2;
        double meanGold = Arrays.stream(gold).average().orElse(0);
        System.out.printf("samples %d, pairs %d, non-tied %d (%.1f%%), mean |dgold| %.3f, annotator-vs-gold %.1f%%, mean gold %.3f%n",
                s.size(), pairs, nonTied, 100.0 * nonTied / pairs, absd / nonTied, 100.0 * annOk / nonTied, meanGold);
        double oracle = 0;
        for (int p = 0; p < prompts.size(); p++) { double b = -1; for (int i = 0; i < k; i++) b = Math.max(b, gold[p * k + i]); oracle += b; }
        System.out.printf("oracle best-of-%d gold %.3f%n", k, oracle / prompts.size());
        for (int r = 5; r < a.length; r++) {
            Policy rm = Checkpoint.load(Path.of(a[r])).policy();
            List<int[]> seqs = new ArrayList<>();
            for (Rollouts.Sample x : s) seqs.add(rm.chat().renderExchange(x.prompt().prompt(), x.text()).ids());
            float[] sc = rm.score(seqs, 1.0, false, true).lastReward();
            int ok = 0; double bon = 0;
            for (int p = 0; p < prompts.size(); p++) {
                int best = p * k;
                for (int i = 0; i < k; i++) { if (sc[p * k + i] > sc[best]) best = p * k + i;
                    for (int j = i + 1; j < k; j++) { int x = p * k + i, y = p * k + j; if (gold[x] == gold[y]) continue; if ((sc[x] > sc[y]) == (gold[x] > gold[y])) ok++; } }
                bon += gold[best];
            }
            System.out.printf("%s: RM-vs-gold %.1f%% on non-tied pairs, RM best-of-%d gold %.3f%n", a[r], 100.0 * ok / nonTied, k, bon / prompts.size());
        }
    }
}
