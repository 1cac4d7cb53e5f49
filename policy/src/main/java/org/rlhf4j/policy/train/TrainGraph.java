package org.rlhf4j.policy.train;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rlhf4j.policy.engine.EngineBatch;
import org.rlhf4j.policy.model.GptGraph;
import org.rlhf4j.policy.model.GptWeights;

/**
 * A SameDiff graph of the policy plus one stage's loss, over the policy's own weight arrays, for one fixed sequence
 * length. {@link #run} returns the loss, the gradient of every parameter and any extra outputs the stage asked for.
 * The optimizer (not SameDiff's updaters, which cannot clip by global norm) then updates the same arrays in place.
 */
public final class TrainGraph {
    /** Adds a stage's loss on top of the backbone; returns the scalar loss. */
    @FunctionalInterface
    public interface LossBuilder {
        SDVariable build(SameDiff sd, GptGraph.Outputs outputs);
    }

    /** One forward+backward: the loss, d(loss)/d(param) by name, and the requested outputs. */
    public record Result(double loss, Map<String, INDArray> gradients, Map<String, INDArray> outputs) {}

    /** The length to pad a micro-batch to: {@link EngineBatch#paddedLength} (the graph is built per length). */
    public static int paddedLength(int longest, int max) {
        return EngineBatch.paddedLength(longest, max);
    }

    private final SameDiff sd;
    private final String lossName;
    private final List<String> params;
    private final GptGraph.Outputs outputs;

    public TrainGraph(GptWeights weights, int seqLen, LossBuilder loss) {
        this.sd = SameDiff.create();
        this.outputs = GptGraph.build(sd, weights, seqLen);
        SDVariable l = loss.build(sd, outputs);
        this.lossName = l.name();
        sd.setLossVariables(l);
        this.params = new ArrayList<>(weights.names());
        quietly(sd::createGradFunction);
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public GptGraph.Outputs outputs() {
        return outputs;
    }

    public String lossName() {
        return lossName;
    }

    public Result run(Map<String, INDArray> feeds, String... extraOutputs) {
        List<String> outs = new ArrayList<>(List.of(extraOutputs));
        outs.add(lossName);
        OutAndGrad r = sd.calculateGradientsAndOutputs(feeds, outs, params);
        double loss = r.getOutputs().get(lossName).sumNumber().doubleValue();
        return new Result(loss, r.getGradients(), r.getOutputs());
    }

    /** Forward only: the named outputs. */
    public Map<String, INDArray> output(Map<String, INDArray> feeds, String... names) {
        return sd.output(feeds, names);
    }

    /** SameDiff prints one "Added differentiated op" line per op while building gradients; keep stdout clean. */
    static void quietly(Runnable r) {
        PrintStream out = System.out;
        System.setOut(new PrintStream(new FilterOut(out), true));
        try {
            r.run();
        } finally {
            System.setOut(out);
        }
    }

    private static final class FilterOut extends OutputStream {
        private final PrintStream target;
        private final StringBuilder line = new StringBuilder();

        FilterOut(PrintStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            if (b == '\n') {
                if (!line.toString().startsWith("Added differentiated op")) target.println(line);
                line.setLength(0);
            } else {
                line.append((char) b);
            }
        }
    }
}
