import com.fasterxml.jackson.databind.*;
import com.fasterxml.jackson.databind.node.*;
import java.nio.file.*;
import java.util.*;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.data.rollout.Rollouts;
import org.rlhf4j.data.world.GoldJudge;

/**
 * Re-ranks a rankings file by the gold judge, ties keeping the annotator's order: the same responses with no
 * annotator error on the pairs gold separates. An oracle for diagnosis (how much of the reward model's weakness is
 * label noise), never a substitute for the annotators.
 *
 * <pre>
 *   java -cp 'cli/target/lib/*' scripts/diagnostics/GoldRerank.java IN_RANKINGS.jsonl OUT_RANKINGS.jsonl
 * </pre>
 */
public class GoldRerank {
    public static void main(String[] a) throws Exception {
        ObjectMapper om = new ObjectMapper();
        GoldJudge judge = GoldJudge.load();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(a[0]))) {
            if (line.isBlank()) continue;
            ObjectNode n = (ObjectNode) om.readTree(line);
            PromptRecord p = new PromptRecord(n.get("id").asText(), n.get("prompt").asText(), n.get("family").asText(), null, n.get("gold"));
            int k = n.get("responses").size();
            double[] g = new double[k];
            int[] pos = new int[k];
            for (int i = 0; i < k; i++) pos[n.get("ranking").get(i).asInt()] = i;
            for (int i = 0; i < k; i++) {
                boolean eos = n.has("eos") ? n.get("eos").get(i).asBoolean() : true;
                g[i] = judge.score(Rollouts.info(p), n.get("responses").get(i).asText(), eos).score();
            }
            Integer[] idx = new Integer[k];
            for (int i = 0; i < k; i++) idx[i] = i;
            Arrays.sort(idx, (x, y) -> g[x] != g[y] ? Double.compare(g[y], g[x]) : Integer.compare(pos[x], pos[y]));
            ArrayNode r = n.putArray("ranking");
            for (int i : idx) r.add(i);
            n.put("annotator", "gold");
            out.add(om.writeValueAsString(n));
        }
        Files.write(Path.of(a[1]), out);
    }
}
