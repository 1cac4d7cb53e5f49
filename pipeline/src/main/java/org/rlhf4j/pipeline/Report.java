package org.rlhf4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.rlhf4j.data.format.PromptRecord;
import org.rlhf4j.policy.io.AtomicFiles;
import org.rlhf4j.policy.train.TrainLoop;

/**
 * Writes {@code report.html} (one self-contained file: inline CSS, plots as base64 PNG data URIs, no network),
 * {@code report.md} (with the plots beside it as PNG files) and {@code summary.json}. Plots are drawn with XChart.
 */
public final class Report {
    private Report() {}

    /** A rendered plot. */
    record Plot(String file, String title, byte[] png) {}

    public static void write(Path out, Evaluate.Outcome outcome, List<Curves> ppoRuns, JsonNode context) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Plot> plots = plots(outcome, ppoRuns);
        for (Plot p : plots) AtomicFiles.write(out.resolve(p.file()), tmp -> java.nio.file.Files.write(tmp, p.png()));
        String md = markdown(outcome, plots, context);
        AtomicFiles.writeString(out.resolve("report.md"), md);
        AtomicFiles.writeString(out.resolve("report.html"), html(outcome, plots, context));
        var summary = outcome.summary().deepCopy();
        if (context != null) summary.set("context", context);
        TrainLoop.writeJson(out.resolve("summary.json"), summary);
    }

    // ---- tables ---------------------------------------------------------------------------------------------------

    static List<String> families(Evaluate.Outcome o) {
        List<String> f = new ArrayList<>();
        for (Evaluate.Result r : o.results()) for (String k : r.gold().byFamily().keySet()) if (!f.contains(k)) f.add(k);
        return f;
    }

    /** Rows of [header, …] tables, shared by the HTML and Markdown renderings. */
    static Map<String, List<List<String>>> tables(Evaluate.Outcome o, JsonNode context) {
        Map<String, List<List<String>>> t = new LinkedHashMap<>();
        List<String> fam = families(o);
        List<List<String>> main = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("policy", "gold (mean ± s.e.)"));
        for (String f : fam) head.add("gold: " + f);
        head.addAll(List.of("win rate vs SFT (± s.e.)", "RM score", "KL to SFT (nats)", "length (tokens)", "EOS rate", "real words"));
        main.add(head);
        for (Evaluate.Result r : o.results()) {
            List<String> row = new ArrayList<>(List.of(r.name(), f3(r.gold().mean()) + " ± " + f3(r.goldStandardError())));
            for (String f : fam) row.add(f3(r.gold().byFamily().getOrDefault(f, Double.NaN)));
            row.addAll(List.of(pct(r.winRate()) + " ± " + f1(100 * r.winRateStandardError()), f3(r.rmScore()), f3(r.klToSft()), f1(r.gold().meanLength()), pct(r.gold().eosRate()), pct(r.realWordRate())));
            main.add(row);
        }
        t.put("Held-out prompts: gold judges, win rate, reward model, KL", main);

        Evaluate.Result sft = o.results().stream().filter(r -> r.name().equals("sft")).findFirst().orElse(null);
        List<List<String>> tax = new ArrayList<>();
        tax.add(List.of("policy", "pretraining perplexity", "Δ vs SFT", "cloze accuracy", "Δ vs SFT"));
        for (Evaluate.Result r : o.results()) {
            if (r.pretrainPpl() == null) continue;
            String dp = sft == null ? "" : signed(r.pretrainPpl() - sft.pretrainPpl(), 3);
            String dc = sft == null ? "" : signed(100 * (r.clozeAccuracy() - sft.clozeAccuracy()), 1) + " pt";
            tax.add(List.of(r.name(), f3(r.pretrainPpl()), dp, pct(r.clozeAccuracy()), dc));
        }
        t.put("Alignment tax: held-out pretraining text and the cloze probe", tax);

        List<List<String>> pass = new ArrayList<>();
        List<String> ph = new ArrayList<>(List.of("policy"));
        Evaluate.Result any = o.results().stream().filter(r -> r.passAtK() != null).findFirst().orElse(null);
        if (any != null) {
            for (Integer k : any.passAtK().keySet()) ph.add("pass@" + k);
            ph.add("pass@1, mean-log-prob rerank");
            pass.add(ph);
            for (Evaluate.Result r : o.results()) {
                if (r.passAtK() == null) continue;
                List<String> row = new ArrayList<>(List.of(r.name()));
                for (Double v : r.passAtK().values()) row.add(pct(v));
                row.add(pct(r.passAt1MeanLogprob()));
                pass.add(row);
            }
            t.put("Arithmetic: pass@k (unbiased estimator) and reranking", pass);
        }
        t.putAll(comparison(o, context));
        t.putAll(findings(o.summary().path("findings")));
        return t;
    }

    /** One table per finding of an instructgpt run: its figure, standard error, verdict and the sentence that says so. */
    static Map<String, List<List<String>>> findings(JsonNode findings) {
        Map<String, List<List<String>>> t = new LinkedHashMap<>();
        for (JsonNode f : findings) {
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("figure", "value"));
            rows.add(List.of("measured", f3(f.path("figure").asDouble(Double.NaN)) + (f.path("standard_error").isNumber()
                    && !Double.isNaN(f.path("standard_error").asDouble()) ? " ± " + f3(f.path("standard_error").asDouble()) : "")));
            rows.add(List.of("held", f.path("held").asBoolean() ? "yes" : "no"));
            rows.add(List.of("finding", f.path("sentence").asText()));
            for (String fit : List.of("best_of_n_fit", "ppo_fit")) {
                JsonNode x = f.path(fit);
                if (x.isMissingNode()) continue;
                rows.add(List.of(fit.replace('_', ' ') + ": " + x.path("form").asText(), String.format("α %.4f, β %.4f, peak √KL %s [%s, %s]",
                        x.path("alpha").asDouble(), x.path("beta").asDouble(), num(x.path("peak_sqrt_kl")), num(x.path("peak_low")), num(x.path("peak_high")))));
            }
            t.put("Finding " + f.path("number").asInt() + ": " + f.path("title").asText(), rows);
        }
        return t;
    }

    static String num(JsonNode v) {
        return v.isNumber() ? f3(v.asDouble()) : "∞";
    }

    /**
     * The methods side by side against SFT, and (with a Plackett-Luce reward model in the run) the two reward models
     * side by side. Gold differences are paired on the same prompts ({@link Evaluate#goldVsSft}); costs come from the
     * run's context ({@link Costs}).
     */
    static Map<String, List<List<String>>> comparison(Evaluate.Outcome o, JsonNode context) {
        Map<String, List<List<String>>> t = new LinkedHashMap<>();
        Map<String, double[]> paired = Evaluate.goldVsSft(o.results(), o.prompts().size());
        Evaluate.Result sft = o.results().stream().filter(r -> r.name().equals("sft")).findFirst().orElse(null);
        if (sft == null) return t;
        JsonNode costs = context == null ? null : context.path("costs");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("method", "gold − SFT (paired ± s.e.)", "win rate vs SFT", "RM score", "KL to SFT (nats)", "perplexity Δ vs SFT",
                "cloze Δ vs SFT", "stage wall time (s)", "tokens generated", "tokens trained"));
        for (Evaluate.Result r : o.results()) {
            if (r.name().equals("base")) continue;
            double[] d = paired.get(r.name());
            JsonNode k = costs == null ? null : costs.get(r.name());
            String generated = k == null ? "—" : count(k.path("tokens_generated").asLong(-1));
            if (r.name().startsWith("best-of-"))
                generated = count(o.summary().path("best_of_n_generated_tokens").path(r.name().substring("best-of-".length())).asLong(-1)) + " (at evaluation)";
            rows.add(List.of(r.name(), signed(d[0], 3) + " ± " + f3(d[1]), pct(r.winRate()), f3(r.rmScore()), f3(r.klToSft()),
                    r.pretrainPpl() == null ? "—" : signed(r.pretrainPpl() - sft.pretrainPpl(), 3),
                    r.clozeAccuracy() == null ? "—" : signed(100 * (r.clozeAccuracy() - sft.clozeAccuracy()), 1) + " pt",
                    k == null ? "—" : f1(k.path("seconds").asDouble(Double.NaN)), generated,
                    k == null ? "—" : count(k.path("tokens_trained").asLong(-1))));
        }
        int samples = o.summary().path("samples_per_prompt").asInt(1);
        t.put("Methods against SFT on the same " + o.prompts().size() + " prompts (" + samples + " sample" + (samples == 1 ? "" : "s") + " per prompt)", rows);

        Map<String, Map<String, double[]>> byFamily = Evaluate.goldVsSftByFamily(o.results(), o.prompts());
        List<String> families = new ArrayList<>(byFamily.get("sft").keySet());
        List<List<String>> fam = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("method"));
        for (String f : families) head.add(f + " (n = " + o.prompts().stream().filter(p -> f.equals(String.valueOf(p.family()))).count() + ")");
        fam.add(head);
        for (Evaluate.Result r : o.results()) {
            if (r.name().equals("base") || r.name().equals("sft")) continue;
            List<String> row = new ArrayList<>(List.of(r.name()));
            for (String f : families) {
                double[] d = byFamily.get(r.name()).get(f);
                row.add(signed(d[0], 3) + " ± " + f3(d[1]));
            }
            fam.add(row);
        }
        t.put("Gold − SFT per task family (paired on the same prompts ± s.e.)", fam);

        if (context != null && context.path("reward_pl").asBoolean(false)) {
            List<List<String>> rm = new ArrayList<>();
            rm.add(List.of("reward model", "loss", "held-out accuracy vs annotators", "held-out accuracy vs gold", "PPO against it", "its gold − SFT (paired ± s.e.)"));
            for (String stage : List.of("reward", "reward-pl")) {
                JsonNode s = context.path(stage + "_summary");
                String ppo = stage.equals("reward") ? "ppo" : null;
                if (costs != null)
                    for (var it = costs.fields(); ppo == null && it.hasNext(); ) {
                        var e = it.next();
                        if ("ppo".equals(e.getValue().path("stage").asText()) && stage.equals(e.getValue().path("reward_model").asText())) ppo = e.getKey();
                    }
                double[] d = ppo == null ? null : paired.get(ppo);
                rm.add(List.of(stage, s.path("mode").asText("?"), pct(s.path("best_validation").path("accuracy_vs_annotators").path("accuracy").asDouble(Double.NaN)),
                        pct(s.path("best_validation").path("accuracy_vs_gold").path("accuracy").asDouble(Double.NaN)), ppo == null ? "—" : ppo,
                        d == null ? "—" : signed(d[0], 3) + " ± " + f3(d[1])));
            }
            t.put("Reward models: pairwise and Plackett-Luce on the same rankings", rm);
        }
        return t;
    }

    static String count(long n) {
        return n < 0 ? "—" : String.format("%,d", n);
    }

    // ---- plots ----------------------------------------------------------------------------------------------------

    static List<Plot> plots(Evaluate.Outcome o, List<Curves> runs) throws IOException {
        List<Plot> plots = new ArrayList<>();
        String[][] panels = {{"proxy", "PPO: reward-model score (proxy) per iteration"}, {"gold", "PPO: gold-judge score per iteration"},
                {"kl", "PPO: KL to the reference per response (nats)"}, {"beta", "PPO: KL coefficient β"}, {"length", "PPO: response length (tokens)"}};
        for (String[] panel : panels) {
            XYChart ch = chart(panel[1], "iteration", panel[0]);
            boolean any = false;
            for (Curves c : runs) {
                double[] y = switch (panel[0]) {
                    case "proxy" -> c.proxy();
                    case "gold" -> c.gold();
                    case "kl" -> c.klPerResponse();
                    case "beta" -> c.beta();
                    default -> c.length();
                };
                if (y == null || y.length == 0) continue;
                ch.addSeries(c.name(), c.iterations(), y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                any = true;
            }
            if (any) plots.add(new Plot("ppo-" + panel[0] + ".png", panel[1], BitmapEncoder.getBitmapBytes(ch, BitmapEncoder.BitmapFormat.PNG)));
        }
        // over-optimisation: gold and proxy against √KL, PPO runs and best-of-n
        XYChart over = chart("Reward over-optimisation: score against √KL", "√KL (nats^½)", "score");
        boolean any = false;
        for (Curves c : runs) {
            double[] kl = c.klPerResponse(), gold = c.gold(), proxy = c.proxy();
            if (kl == null) continue;
            double[] x = new double[kl.length];
            for (int i = 0; i < kl.length; i++) x[i] = Math.sqrt(Math.max(0, kl[i]));
            if (gold != null) { over.addSeries(c.name() + " gold", x, gold); any = true; }
            if (proxy != null) { over.addSeries(c.name() + " proxy (RM)", x, proxy); any = true; }
        }
        List<Double> bx = new ArrayList<>(), bg = new ArrayList<>(), bp = new ArrayList<>();
        for (Evaluate.Result r : o.results()) {
            if (!r.name().startsWith("best-of-")) continue;
            bx.add(Math.sqrt(r.klToSft()));
            bg.add(r.gold().mean());
            bp.add(r.rmScore());
        }
        if (!bx.isEmpty()) {
            over.addSeries("best-of-n gold", bx, bg);
            over.addSeries("best-of-n proxy (RM)", bx, bp);
            any = true;
        }
        if (any) plots.add(new Plot("overoptimisation.png", "Reward over-optimisation (gold and proxy against √KL)", BitmapEncoder.getBitmapBytes(over, BitmapEncoder.BitmapFormat.PNG)));
        JsonNode over2 = o.summary().path("findings");
        for (JsonNode f : over2) if (f.path("id").asText().equals("overoptimisation")) plots.add(fitPlot(f));
        // the frontier: each method's held-out gold against its KL to SFT, one point per method
        XYChart frontier = chart("Gold against KL to SFT, one point per method", "KL to SFT (nats per response)", "gold (held-out mean)");
        frontier.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        frontier.getStyler().setMarkerSize(9);
        frontier.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);   // inside, it hid points
        int points = 0;
        for (Evaluate.Result r : o.results()) {
            if (r.name().equals("base") || !Double.isFinite(r.klToSft()) || !Double.isFinite(r.gold().mean())) continue;
            frontier.addSeries(r.name(), new double[] {r.klToSft()}, new double[] {r.gold().mean()});
            points++;
        }
        if (points > 0) plots.add(new Plot("gold-vs-kl.png", "Gold against KL to SFT (one point per method)", BitmapEncoder.getBitmapBytes(frontier, BitmapEncoder.BitmapFormat.PNG)));
        return plots;
    }

    static XYChart chart(String title, String x, String y) {
        XYChart ch = new XYChartBuilder().width(640).height(360).title(title).xAxisTitle(x).yAxisTitle(y).build();
        ch.getStyler().setMarkerSize(4);
        ch.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        return ch;
    }

    // ---- renderings -----------------------------------------------------------------------------------------------

    /** The over-optimisation finding: measured gold (points) and the fitted forms (lines) against √KL. */
    static Plot fitPlot(JsonNode f) throws IOException {
        XYChart ch = chart("Gold against √KL with Gao et al.'s fitted forms", "√KL (nats^½)", "gold");
        String[][] parts = {{"best_of_n", "best_of_n_fit", "best-of-n", "BEST_OF_N"}, {"ppo_snapshots", "ppo_fit", "PPO snapshots", "RL"}};
        for (String[] p : parts) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (JsonNode pt : f.path(p[0])) {
                x.add(pt.path("sqrt_kl").asDouble());
                y.add(pt.path("gold").asDouble());
            }
            if (x.size() < 2) continue;
            ch.addSeries(p[2] + " (measured)", x, y).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            JsonNode fit = f.path(p[1]);
            if (fit.isMissingNode()) continue;
            double base = y.get(0), max = x.stream().mapToDouble(Double::doubleValue).max().orElse(1);
            OverOptimisation.Form form = OverOptimisation.Form.valueOf(p[3]);
            List<Double> fx = new ArrayList<>(), fy = new ArrayList<>();
            for (int i = 0; i <= 50; i++) {
                double d = max * i / 50.0;
                fx.add(d);
                fy.add(base + form.value(fit.path("alpha").asDouble(), fit.path("beta").asDouble(), d));
            }
            ch.addSeries(p[2] + " (fit)", fx, fy).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        return new Plot("overoptimisation-fit.png", "Gold against √KL with Gao et al.'s fitted forms", BitmapEncoder.getBitmapBytes(ch, BitmapEncoder.BitmapFormat.PNG));
    }

    static String markdown(Evaluate.Outcome o, List<Plot> plots, JsonNode context) {
        StringBuilder sb = new StringBuilder("# rlhf4j evaluation report\n\n");
        List<List<String>> run = runTable(context);
        if (!run.isEmpty()) {
            sb.append("## Run\n\n| | |\n|---|---|\n");
            for (List<String> r : run) sb.append("| ").append(r.get(0)).append(" | ").append(r.get(1)).append(" |\n");
            sb.append("\n");
        }
        for (var e : tables(o, context).entrySet()) {
            sb.append("## ").append(e.getKey()).append("\n\n");
            List<List<String>> rows = e.getValue();
            sb.append("| ").append(String.join(" | ", rows.get(0))).append(" |\n");
            sb.append("|").append("---|".repeat(rows.get(0).size())).append("\n");
            for (List<String> r : rows.subList(1, rows.size())) sb.append("| ").append(String.join(" | ", r)).append(" |\n");
            sb.append("\n");
        }
        for (Plot p : plots) sb.append("![").append(p.title()).append("](").append(p.file()).append(")\n\n");
        sb.append("## Sample responses\n\n");
        for (PromptRecord pr : samplePrompts(o)) {
            sb.append("**").append(pr.family()).append(":** ").append(pr.prompt()).append("\n\n");
            for (Evaluate.Result r : o.results()) sb.append("- *").append(r.name()).append("*: ").append(responseFor(r, pr).replace("\n", " ")).append("\n");
            sb.append("\n");
        }
        return sb.toString();
    }

    static String html(Evaluate.Outcome o, List<Plot> plots, JsonNode context) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>rlhf4j evaluation report</title>\n<style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}")
                .append("th{background:#eee}img{max-width:100%;margin:0.5em 0}pre{background:#f6f6f6;padding:1em;overflow:auto}")
                .append(".samples td{text-align:left;vertical-align:top;max-width:300px}</style></head><body>\n<h1>rlhf4j evaluation report</h1>\n");
        List<List<String>> run = runTable(context);
        if (!run.isEmpty()) {
            sb.append("<h2>Run</h2>\n<table>\n");
            for (List<String> r : run) sb.append("<tr><td>").append(esc(r.get(0))).append("</td><td>").append(esc(r.get(1))).append("</td></tr>\n");
            sb.append("</table>\n");
        }
        for (var e : tables(o, context).entrySet()) {
            sb.append("<h2>").append(esc(e.getKey())).append("</h2>\n<table>\n");
            List<List<String>> rows = e.getValue();
            for (int i = 0; i < rows.size(); i++) {
                sb.append("<tr>");
                for (String cell : rows.get(i)) sb.append(i == 0 ? "<th>" : "<td>").append(esc(cell)).append(i == 0 ? "</th>" : "</td>");
                sb.append("</tr>\n");
            }
            sb.append("</table>\n");
        }
        sb.append("<h2>Plots</h2>\n");
        for (Plot p : plots)
            sb.append("<figure><img alt=\"").append(esc(p.title())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(p.png())).append("\"><figcaption>").append(esc(p.title())).append("</figcaption></figure>\n");
        sb.append("<h2>Sample responses</h2>\n<table class=\"samples\"><tr><th>prompt</th>");
        for (Evaluate.Result r : o.results()) sb.append("<th>").append(esc(r.name())).append("</th>");
        sb.append("</tr>\n");
        for (PromptRecord pr : samplePrompts(o)) {
            sb.append("<tr><td><b>").append(esc(pr.family())).append("</b>: ").append(esc(pr.prompt())).append("</td>");
            for (Evaluate.Result r : o.results()) sb.append("<td>").append(esc(responseFor(r, pr))).append("</td>");
            sb.append("</tr>\n");
        }
        sb.append("</table>\n");
        if (context != null) sb.append("<details><summary>Every stage's summary (JSON)</summary><pre>").append(esc(context.toPrettyString())).append("</pre></details>\n");
        return sb.append("</body></html>\n").toString();
    }

    /** Seconds per stage and the reward model's headline figures, from the run's context (empty without one). */
    static List<List<String>> runTable(JsonNode context) {
        List<List<String>> rows = new ArrayList<>();
        if (context == null) return rows;
        context.path("stage_seconds").fields().forEachRemaining(e -> rows.add(List.of("seconds: " + e.getKey(), f1(e.getValue().asDouble()))));
        if (context.has("total_stage_seconds")) rows.add(List.of("seconds: all stages", f1(context.get("total_stage_seconds").asDouble())));
        JsonNode rm = context.path("reward_summary");
        if (!rm.isMissingNode()) {
            rows.add(List.of("reward model: held-out accuracy vs annotators", pct(rm.path("best_validation").path("accuracy_vs_annotators").path("accuracy").asDouble(Double.NaN))));
            rows.add(List.of("annotators' mutual agreement on the same responses", pct(rm.path("annotator_agreement_on_validation").asDouble(Double.NaN))));
            rows.add(List.of("reward model: held-out accuracy vs gold judge", pct(rm.path("best_validation").path("accuracy_vs_gold").path("accuracy").asDouble(Double.NaN))));
        }
        return rows;
    }

    /** One prompt per family first, then the next ones, up to the configured count. */
    static List<PromptRecord> samplePrompts(Evaluate.Outcome o) {
        List<PromptRecord> chosen = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        int want = Math.min(o.summary().path("report_samples").asInt(8), o.prompts().size());
        for (PromptRecord p : o.prompts()) if (!seen.contains(p.family()) && chosen.size() < want) { chosen.add(p); seen.add(p.family()); }
        for (PromptRecord p : o.prompts()) if (!chosen.contains(p) && chosen.size() < want) chosen.add(p);
        return chosen;
    }

    static String responseFor(Evaluate.Result r, PromptRecord p) {
        for (var s : r.samples()) if (s.prompt() == p || (s.prompt().id() != null && s.prompt().id().equals(p.id()))) return s.text() + (s.eos() ? "" : " [no EOS]");
        return "";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String f3(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.3f", v);
    }

    static String f1(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.1f", v);
    }

    static String pct(Double v) {
        return v == null || Double.isNaN(v) ? "–" : String.format("%.1f%%", 100 * v);
    }

    static String signed(double v, int digits) {
        return String.format("%+." + digits + "f", v);
    }
}
