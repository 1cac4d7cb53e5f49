package org.rlhf4j.policy.engine;

import static org.rlhf4j.policy.model.GptWeights.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rlhf4j.policy.model.GptConfig;
import org.rlhf4j.policy.model.GptWeights;

/**
 * The training engine of the GPT every stage uses: forward and hand-derived backward, layer by layer, in the manner
 * of llm.c. Parameters are the policy's own flat buffer ({@link GptWeights#flat()}); gradients live in one flat
 * buffer of the same layout; activations live in an arena sized for the largest (rows × length) seen and reused by
 * every step, so a step allocates no native memory.
 *
 * <p>Use: {@link #forward} a batch, let the stage's loss turn the {@link Outputs} into a loss and
 * {@link Outputs.Grads}, then {@link #backward} them; gradients add up over micro-batches until {@link #zeroGrad}.
 * Shapes: B rows, T positions, N = B·T slots, d width, H heads, V vocabulary, L layers.
 *
 * <p>Dropout is not applied (yet): a model whose config has dropout > 0 (an imported GPT-2 has 0.1) trains without it,
 * and the trainers say so ({@link #dropoutNote}).
 */
public final class GptEngine {
    /** Logits are computed and kept for at most this many elements at once; longer batches recompute in the backward. */
    static final long LOGIT_BUDGET = 1L << 25;
    /**
     * The same for an inference engine, which never recomputes (it has no backward) and so loses nothing by computing
     * the LM head in smaller blocks: 16 MB of float32 logits instead of 128 MB at GPT-2's vocabulary.
     */
    static final long INFERENCE_LOGIT_BUDGET = 1L << 22;

    private final GptConfig c;
    private final GptWeights weights;
    private final Buf w;
    /** Allocated on first use: an engine that only scores never holds a gradient. */
    private Buf g;
    private INDArray gradFlat;
    private final Offsets off;
    private final boolean tanhGelu;
    private final long logitBudget;
    private final boolean inferenceOnly;
    /** The kernels every computation goes through ({@link KernelSet#forBackend()} unless a test chooses). */
    private final KernelSet k;

    // the arena: one buffer, regions carved for the current (B, T)
    private Buf a;
    private int B, T, N;
    private int[] resid, ln1, hat1, rstd1, qkv, att, y, x2, ln2, hat2, rstd2, fc, gaux, gl;
    private int ones, lnf, hatf, rstdf, dres, dhid, dtmp, dqkv, dfc, dscore, headIn, logits, dHeadIn;
    private int headRowsCap;

    // what the last forward saw
    private EngineBatch batch;
    private int[] headRows;
    private double[] lse, entropy;
    private boolean logitsKept;

    public GptEngine(GptWeights weights) {
        this(weights, LOGIT_BUDGET, false, KernelSet.forBackend());
    }

    /**
     * An engine that only runs forward passes (scoring): its arena keeps one layer's activations instead of every
     * layer's, and {@link #backward} refuses.
     */
    public static GptEngine forInference(GptWeights weights) {
        return new GptEngine(weights, INFERENCE_LOGIT_BUDGET, true, KernelSet.forBackend());
    }

    /**
     * With logits held for at most {@code logitBudget} elements at once (tests force the blocked, recomputing path) and
     * the given kernel set (tests run both).
     */
    GptEngine(GptWeights weights, long logitBudget, boolean inferenceOnly, KernelSet kernels) {
        this.k = kernels;
        this.logitBudget = logitBudget;
        this.inferenceOnly = inferenceOnly;
        this.c = weights.config();
        this.weights = weights;
        this.w = Buf.of(weights.flat());
        this.off = new Offsets(weights);
        this.tanhGelu = GptConfig.GELU_TANH.equals(c.activation());
    }

    public GptConfig config() {
        return c;
    }

    /** The kernel set in use. */
    public KernelSet kernels() {
        return k;
    }

    /** A line for the log when the config asks for dropout the engine does not apply; null otherwise. */
    public String dropoutNote() {
        return c.dropout() > 0 ? "note: the model's dropout " + c.dropout() + " is not applied: the training engine trains without dropout" : null;
    }

    /** The flat gradient buffer (same layout as the parameters). */
    public INDArray gradientFlat() {
        if (gradFlat == null) {
            gradFlat = Nd4j.create(weights.dataType(), weights.parameterCount());
            g = Buf.of(gradFlat);
        }
        return gradFlat;
    }

    /** The gradient of each parameter by name, as views of {@link #gradientFlat()}. */
    public Map<String, INDArray> gradients() {
        INDArray gradFlat = gradientFlat();
        Map<String, INDArray> m = new LinkedHashMap<>();
        weights.arrays().forEach((k, p) -> {
            int o = off.at(k);
            m.put(k, gradFlat.get(NDArrayIndex.interval(o, o + p.length())).reshape('c', p.shape()));
        });
        return m;
    }

    public void zeroGrad() {
        gradientFlat().assign(0);
    }

    private int p(String name) {
        return off.at(name);
    }

    private int p(int layer, String leaf) {
        return off.at(layer, leaf);
    }

    // ---- the arena ----

    private void carve(int rows, int len, int headRowsNeeded) {
        int d = c.dModel(), L = c.nLayer(), H = c.nHead(), V = c.vocabSize();
        int rowsCap = (int) Math.max(1, Math.min(Math.max(headRowsNeeded, 1), logitBudget / V));
        if (rows == B && len == T && a != null && rowsCap <= headRowsCap) return;
        int n = rows * len;
        long[] cursor = {0};
        java.util.function.LongUnaryOperator take = size -> {
            long o = cursor[0];
            cursor[0] += size;
            return o;
        };
        resid = new int[L + 1];
        ln1 = new int[L]; hat1 = new int[L]; rstd1 = new int[L]; qkv = new int[L]; att = new int[L]; y = new int[L];
        x2 = new int[L]; ln2 = new int[L]; hat2 = new int[L]; rstd2 = new int[L]; fc = new int[L]; gaux = new int[L]; gl = new int[L];
        long nd = (long) n * d;
        // for inference only, every layer reuses the first layer's regions and the residual stream alternates
        // between two buffers: nothing of a layer is needed once the next one has run
        for (int l = 0; l <= L; l++) resid[l] = inferenceOnly && l >= 2 ? resid[l - 2] : (int) take.applyAsLong(nd);
        for (int l = 0; l < L; l++) {
            if (inferenceOnly && l > 0) {
                ln1[l] = ln1[0]; hat1[l] = hat1[0]; rstd1[l] = rstd1[0]; qkv[l] = qkv[0]; att[l] = att[0]; y[l] = y[0];
                x2[l] = x2[0]; ln2[l] = ln2[0]; hat2[l] = hat2[0]; rstd2[l] = rstd2[0]; fc[l] = fc[0]; gaux[l] = gaux[0]; gl[l] = gl[0];
                continue;
            }
            ln1[l] = (int) take.applyAsLong(nd);
            hat1[l] = (int) take.applyAsLong(nd);
            rstd1[l] = (int) take.applyAsLong(n);
            qkv[l] = (int) take.applyAsLong(3 * nd);
            att[l] = (int) take.applyAsLong((long) rows * H * len * len);
            y[l] = (int) take.applyAsLong(nd);
            x2[l] = (int) take.applyAsLong(nd);
            ln2[l] = (int) take.applyAsLong(nd);
            hat2[l] = (int) take.applyAsLong(nd);
            rstd2[l] = (int) take.applyAsLong(n);
            fc[l] = (int) take.applyAsLong(4 * nd);
            gaux[l] = (int) take.applyAsLong(4 * nd);
            gl[l] = (int) take.applyAsLong(4 * nd);
        }
        ones = (int) take.applyAsLong(Math.max(n, rowsCap));
        lnf = (int) take.applyAsLong(nd);
        hatf = (int) take.applyAsLong(nd);
        rstdf = (int) take.applyAsLong(n);
        dres = (int) take.applyAsLong(nd);
        dhid = (int) take.applyAsLong(nd);
        dtmp = (int) take.applyAsLong(nd);
        dqkv = (int) take.applyAsLong(3 * nd);
        dfc = (int) take.applyAsLong(4 * nd);
        dscore = (int) take.applyAsLong((long) len * len);
        headIn = (int) take.applyAsLong((long) rowsCap * d);
        dHeadIn = (int) take.applyAsLong((long) rowsCap * d);
        logits = (int) take.applyAsLong((long) rowsCap * V);
        if (cursor[0] > Integer.MAX_VALUE) throw new IllegalArgumentException("activations for " + rows + " × " + len + " exceed 2^31 elements");
        if (a == null || a.length < cursor[0]) a = Buf.allocate(w.dataType(), cursor[0]);
        k.fill(a, ones, Math.max(n, rowsCap), 1);
        B = rows;
        T = len;
        N = n;
        headRowsCap = rowsCap;
    }

    /** Elements of activation memory a forward over rows × len allocates (for the up-front memory estimate). */
    public static long arenaElements(GptConfig c, int rows, int len) {
        long n = (long) rows * len, d = c.dModel(), L = c.nLayer();
        long perLayer = 22 * n * d + 2 * n + (long) rows * c.nHead() * len * len;
        long rowsCap = Math.max(1, Math.min(n, LOGIT_BUDGET / c.vocabSize()));
        return Math.max(n, rowsCap) + (L + 1) * n * d + L * (perLayer - n * d) + 2 * n * d + n + 10 * n * d + (long) len * len + rowsCap * (2 * d + c.vocabSize());
    }

    /** Elements of the arena as allocated now (for the test that holds {@link #arenaElements} exact). */
    long arenaLength() {
        return a == null ? 0 : a.length;
    }

    // ---- forward ----

    public Outputs forward(EngineBatch b) {
        int d = c.dModel(), L = c.nLayer(), H = c.nHead(), V = c.vocabSize();
        headRows = new int[b.targetCount()];
        for (int i = 0, m = 0; i < b.targets().length; i++) if (b.targets()[i] >= 0) headRows[m++] = i;
        for (int i = 0; i < b.ids().length; i++)
            if (b.ids()[i] < 0 || b.ids()[i] >= V || (b.targets()[i] >= V)) throw new IllegalArgumentException("token id outside the vocabulary at slot " + i);
        carve(b.rows(), b.len(), headRows.length);
        batch = b;

        k.embedForward(w, p(WTE), p(WPE), b.ids(), b.positions(), d, a, resid[0]);
        for (int l = 0; l < L; l++) {
            k.layerNormForward(a, resid[l], w, p(l, LN1_W), p(l, LN1_B), N, d, c.layerNormEpsilon(), a, ln1[l], a, hat1[l], a, rstd1[l]);
            k.linearForward(a, ln1[l], w, p(l, ATTN_W), p(l, ATTN_B), N, d, 3 * d, a, qkv[l], false, a, ones);        // (N, 3d)
            k.attentionForward(a, qkv[l], b.start(), B, T, H, d, a, att[l], a, y[l]);                        // (N, d)
            copy(resid[l], x2[l], N * d);
            k.linearForward(a, y[l], w, p(l, PROJ_W), p(l, PROJ_B), N, d, d, a, x2[l], true, a, ones);                // x + proj(y)
            k.layerNormForward(a, x2[l], w, p(l, LN2_W), p(l, LN2_B), N, d, c.layerNormEpsilon(), a, ln2[l], a, hat2[l], a, rstd2[l]);
            k.linearForward(a, ln2[l], w, p(l, FC_W), p(l, FC_B), N, d, 4 * d, a, fc[l], false, a, ones);              // (N, 4d)
            k.geluForward(a, fc[l], a, gl[l], a, gaux[l], N * 4 * d, tanhGelu);                                   // (N, 4d)
            copy(x2[l], resid[l + 1], N * d);
            k.linearForward(a, gl[l], w, p(l, FC2_W), p(l, FC2_B), N, 4 * d, d, a, resid[l + 1], true, a, ones);       // x2 + mlp
        }
        k.layerNormForward(a, resid[L], w, p(LN_F_W), p(LN_F_B), N, d, c.layerNormEpsilon(), a, lnf, a, hatf, a, rstdf);

        double[] logprob = new double[N];
        lse = new double[headRows.length];
        entropy = b.entropy() ? new double[N] : null;
        logitsKept = headRows.length <= headRowsCap;
        for (int from = 0; from < headRows.length; from += headRowsCap) {
            int m = Math.min(headRowsCap, headRows.length - from);
            blockLogits(from, m);
            int[] tg = new int[m];
            for (int r = 0; r < m; r++) tg[r] = b.targets()[headRows[from + r]];
            double[] lp = new double[m], ls = new double[m], ent = entropy == null ? null : new double[m];
            k.logSoftmaxRows(a, logits, m, V, b.temperature(), tg, ls, lp, ent);
            for (int r = 0; r < m; r++) {
                int slot = headRows[from + r];
                lse[from + r] = ls[r];
                logprob[slot] = lp[r];
                if (entropy != null) entropy[slot] = ent[r];
            }
        }
        double[] value = null;
        if (b.values()) {
            value = new double[N];
            int[] all = new int[N];
            for (int n = 0; n < N; n++) all[n] = n;
            k.headForward(a, lnf, d, w, p(Head.VALUE.weight), p(Head.VALUE.bias), all, value);
        }
        double[] reward = null;
        if (b.rewardAt() != null) {
            int[] at = new int[B];
            for (int r = 0; r < B; r++) at[r] = r * T + Math.max(0, b.rewardAt()[r]);
            reward = new double[B];
            k.headForward(a, lnf, d, w, p(Head.REWARD.weight), p(Head.REWARD.bias), at, reward);
            for (int r = 0; r < B; r++) if (b.rewardAt()[r] < 0) reward[r] = 0;
        }
        return new Outputs(logprob, entropy, value, reward);
    }

    /** Logits of head rows [from, from + m) into the logits region: gather the final hidden rows, then ·wteᵀ. */
    private void blockLogits(int from, int m) {
        int d = c.dModel(), V = c.vocabSize();
        k.gatherRows(a, lnf, headRows, from, m, d, a, headIn);
        k.gemm(false, true, m, V, d, 1, a, headIn, d, w, p(WTE), d, 0, a, logits, V);
    }

    // ---- backward ----

    /** Adds d(loss)/d(parameter) for the last forward's batch into the gradient buffer. */
    public void backward(Outputs.Grads grads) {
        if (inferenceOnly) throw new IllegalStateException("this engine runs forward passes only");
        if (batch == null) throw new IllegalStateException("backward before forward");
        gradientFlat();
        int d = c.dModel(), L = c.nLayer(), H = c.nHead(), V = c.vocabSize();
        EngineBatch b = batch;
        k.fill(a, dhid, N * d, 0);

        // 1. the LM head over the head rows, in blocks: dz = (dlp·(onehot − p) − dH·p·(log p + H)) / temperature
        for (int from = 0; from < headRows.length; from += headRowsCap) {
            int m = Math.min(headRowsCap, headRows.length - from);
            if (!logitsKept) {                                     // recompute p = exp(z − lse); else p and headIn are the forward's
                blockLogits(from, m);
                k.probabilities(a, logits, m, V, b.temperature(), lse, from);
            }
            int[] tg = new int[m];
            double[] dlp = new double[m], dent = grads.entropy() == null || entropy == null ? null : new double[m], h = entropy == null ? null : new double[m];
            for (int r = 0; r < m; r++) {
                int slot = headRows[from + r];
                tg[r] = b.targets()[slot];
                dlp[r] = grads.logprob() == null ? 0 : grads.logprob()[slot];
                if (dent != null) dent[r] = grads.entropy()[slot];
                if (h != null) h[r] = entropy[slot];
            }
            k.logitGrad(a, logits, m, V, b.temperature(), tg, dlp, dent, h);
            k.gemm(false, false, m, d, V, 1, a, logits, V, w, p(WTE), d, 0, a, dHeadIn, d);       // dh = dz·wte
            k.gemm(true, false, V, d, m, 1, a, logits, V, a, headIn, d, 1, g, p(WTE), d);         // dwte += dzᵀ·h
            k.scatterAddRows(a, dHeadIn, headRows, from, m, d, a, dhid);
        }
        // 2. the scalar heads
        if (grads.value() != null) headBackward(Head.VALUE, grads.value());
        if (grads.reward() != null && b.rewardAt() != null) {
            double[] per = new double[N];
            for (int r = 0; r < B; r++) if (b.rewardAt()[r] >= 0) per[r * T + b.rewardAt()[r]] = grads.reward()[r];
            headBackward(Head.REWARD, per);
        }
        // 3. final LayerNorm, then the blocks in reverse; dres carries d(loss)/d(residual stream)
        k.fill(a, dres, N * d, 0);
        k.layerNormBackward(a, dhid, a, hatf, a, rstdf, w, p(LN_F_W), N, d, a, dres, g, p(LN_F_W), p(LN_F_B));
        for (int l = L - 1; l >= 0; l--) {
            // MLP: resid[l+1] = x2 + gelu(ln2(x2)·Wfc + bfc)·Wfc2 + bfc2
            k.linearBackward(a, gl[l], a, dres, w, p(l, FC2_W), N, 4 * d, d, g, p(l, FC2_W), p(l, FC2_B), a, dfc, a, ones);
            k.geluBackward(a, fc[l], a, gaux[l], a, dfc, N * 4 * d, tanhGelu);
            k.linearBackward(a, ln2[l], a, dfc, w, p(l, FC_W), N, d, 4 * d, g, p(l, FC_W), p(l, FC_B), a, dtmp, a, ones);
            k.layerNormBackward(a, dtmp, a, hat2[l], a, rstd2[l], w, p(l, LN2_W), N, d, a, dres, g, p(l, LN2_W), p(l, LN2_B));
            // attention: x2 = resid[l] + attn(ln1(resid[l]))·Wproj + bproj
            k.linearBackward(a, y[l], a, dres, w, p(l, PROJ_W), N, d, d, g, p(l, PROJ_W), p(l, PROJ_B), a, dtmp, a, ones);
            k.attentionBackward(a, qkv[l], a, att[l], a, dtmp, b.start(), B, T, H, d, a, dqkv, a, dscore);
            k.linearBackward(a, ln1[l], a, dqkv, w, p(l, ATTN_W), N, d, 3 * d, g, p(l, ATTN_W), p(l, ATTN_B), a, dtmp, a, ones);
            k.layerNormBackward(a, dtmp, a, hat1[l], a, rstd1[l], w, p(l, LN1_W), N, d, a, dres, g, p(l, LN1_W), p(l, LN1_B));
        }
        k.embedBackward(a, dres, b.ids(), b.positions(), d, g, p(WTE), p(WPE));
    }

    private void headBackward(Head head, double[] dv) {
        k.headBackward(a, lnf, c.dModel(), w, p(head.weight), p(head.bias), dv, g, p(head.weight), p(head.bias), a, dhid);
    }

    private void copy(int from, int to, int n) {
        k.copy(a, from, a, to, n);
    }
}
