import java.util.*;
import org.rlhf4j.data.format.PretrainDoc;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.policy.tokenizer.BpeTokenizer;
import org.rlhf4j.policy.tokenizer.BpeTrainer;

/**
 * How much text a token carries for BPE vocabularies of several sizes trained on the embedded corpus: trains each
 * (as {@code "tokenizer": "bpe:N"} in a pretrain config does), then prints the training and encoding seconds and the
 * bytes per token over the training documents.
 *
 * <pre>
 *   mvn -q -DskipTests package     # cli/target/lib holds every module and dependency
 *   java -cp 'cli/target/lib/*' scripts/diagnostics/BpeProbe.java 1024 2048 4096
 * </pre>
 */
public class BpeProbe {
    public static void main(String[] args) {
        List<String> docs = DataFiles.loadPretrain("embedded:pretrain.train.jsonl.gz").stream().map(PretrainDoc::text).toList();
        long bytes = 0;
        for (String d : docs) bytes += d.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        for (String v : args) {
            long t0 = System.nanoTime();
            BpeTokenizer t = BpeTrainer.train(docs, Integer.parseInt(v));
            long t1 = System.nanoTime(), tokens = 0;
            for (String d : docs) tokens += t.encode(d).length;
            long t2 = System.nanoTime();
            System.out.printf("vocab %s: train %.1f s, encode %.1f s, %,d bytes -> %,d tokens, %.2f bytes/token%n",
                    v, (t1 - t0) / 1e9, (t2 - t1) / 1e9, bytes, tokens, (double) bytes / tokens);
        }
    }
}
