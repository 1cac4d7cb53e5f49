package org.rlhf4j.sft;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.rlhf4j.data.validate.DataFiles;
import org.rlhf4j.policy.Policy;
import org.rlhf4j.policy.checkpoint.Provenance;
import org.rlhf4j.policy.config.ConfigLoader;
import org.rlhf4j.policy.tokenizer.BpeTrainer;
import org.rlhf4j.policy.tokenizer.Tokenizer;
import org.rlhf4j.policy.train.TrainLoop;
import org.rlhf4j.data.format.PretrainDoc;

/** {@code ./rlhf4j pretrain}: the base model, trained from random weights on the corpus with the SFT trainer. */
public final class Pretrain {
    private Pretrain() {}

    public static TrainLoop.Result run(ConfigLoader.Loaded<PretrainConfig> loaded, Path out, boolean resume, List<String> command) throws IOException {
        PretrainConfig c = loaded.config();
        // 1. load and validate the corpus (every problem is reported before any work starts)
        var train = DataFiles.loadPretrain(c.train());
        var validation = DataFiles.loadPretrain(c.validation());
        // 2. the model and the examples
        // a "bpe:N" tokenizer is trained here, on the training documents only (deterministic, so a resume gets the same)
        Tokenizer tok = c.init().trainedBpeVocab() != 0
                ? BpeTrainer.train(train.stream().map(PretrainDoc::text).toList(), c.init().trainedBpeVocab())
                : c.init().newTokenizer();
        Policy policy = c.init().initialise(tok);
        var tr = LmExamples.fromDocuments(train, policy.tokenizer(), c.seqLen());
        var va = LmExamples.fromDocuments(validation, policy.tokenizer(), c.seqLen());
        var evalSet = va.examples().subList(0, Math.min(c.evalExamples(), va.examples().size()));
        // 3. train
        ObjectNode prov = Provenance.create("pretrain", command, loaded.resolved(), DataFiles.sha256(c.train(), c.validation()), c.seed(), null);
        LmTask task = new LmTask(tr.examples(), evalSet, c.seqLen(), c.loop(), c.seed(), DataType.FLOAT);
        TrainLoop.Result r = new TrainLoop("pretrain", c.loop()).run(policy, task, out, prov, null, resume);
        // 4. summary: corpus and model size
        ObjectNode s = r.summary();
        s.put("train_documents", train.size());
        s.put("train_windows", tr.examples().size());
        s.put("documents_split_into_windows", tr.truncated());
        s.put("validation_windows_scored", evalSet.size());
        TrainLoop.writeJson(out.resolve(TrainLoop.SUMMARY), s);
        return r;
    }
}
