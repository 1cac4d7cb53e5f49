package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.rlhf4j.data.format.Flag;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.data.format.Split;

/** Reads K-way rankings, including the optional per-response "sources", "flags" and "eos" lists and the "shown" order. */
final class RankingsParser implements RecordParser<Ranking> {
    @Override
    public Ranking parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("id", "prompt", "responses", "ranking", "annotator", "family", "split", "gold", "sources", "flags", "eos", "shown");
        String id = f.optionalText("id");
        String prompt = f.requiredText("prompt");
        List<String> responses = f.textList("responses", true);
        List<Integer> ranking = f.intList("ranking", true);
        String annotator = f.requiredText("annotator");
        String family = f.optionalText("family");
        Split split = f.optionalSplit();
        JsonNode gold = f.optionalGold();
        JsonNode sourcesNode = f.array("sources", false);
        List<ResponseSource> sources = sourcesNode == null ? null : sources(sourcesNode, problems);
        JsonNode flagsNode = f.array("flags", false);
        List<Set<Flag>> flags = flagsNode == null ? null : flags(flagsNode, problems);
        List<Boolean> eos = f.booleanList("eos", false);
        List<Integer> shown = f.intList("shown", false);
        problems.addAll(Ranking.problems(id, prompt, responses, ranking, annotator, family, gold,
                sourcesNode == null ? null : sourcesNode.size(),
                flagsNode == null ? null : flagsNode.size(),
                eos == null ? null : eos.size(), shown));
        if (problems.size() > before) return null;
        return new Ranking(id, prompt, responses, ranking, annotator, family, split, gold, sources, flags, eos, shown);
    }

    /** The "sources" list, each entry checked; null when any entry has a problem (each is reported). */
    static List<ResponseSource> sources(JsonNode array, List<String> problems) {
        List<ResponseSource> out = new ArrayList<>();
        int before = problems.size();
        for (int i = 0; i < array.size(); i++) {
            String where = "sources[" + i + "]";
            JsonNode e = array.get(i);
            if (!e.isObject()) {
                problems.add("\"" + where + "\" must be a {\"checkpoint\", \"temperature\", \"seed\"} object, found " + JsonFields.describe(e));
                continue;
            }
            int mark = problems.size();
            JsonFields s = new JsonFields((ObjectNode) e, where + ".", problems);
            s.allowOnly("checkpoint", "temperature", "seed");
            String checkpoint = s.requiredText("checkpoint");
            Double temperature = s.requiredNumber("temperature");
            Long seed = s.optionalLong("seed");
            problems.addAll(ResponseSource.problems(where + ".", checkpoint, temperature));
            if (problems.size() == mark) out.add(new ResponseSource(checkpoint, temperature, seed));
        }
        return problems.size() > before ? null : out;
    }

    private static List<Set<Flag>> flags(JsonNode array, List<String> problems) {
        List<Set<Flag>> out = new ArrayList<>();
        int before = problems.size();
        for (int i = 0; i < array.size(); i++) {
            String where = "flags[" + i + "]";
            JsonNode e = array.get(i);
            if (!e.isArray()) {
                problems.add("\"" + where + "\" must be a list of flags, found " + JsonFields.describe(e));
                continue;
            }
            Set<Flag> set = EnumSet.noneOf(Flag.class);
            for (int j = 0; j < e.size(); j++) {
                JsonNode v = e.get(j);
                Flag flag = v.isTextual() ? Flag.fromWireName(v.textValue()).orElse(null) : null;
                if (flag == null)
                    problems.add("\"" + where + "[" + j + "]\" is " + (v.isTextual() ? "\"" + v.textValue() + "\"" : JsonFields.describe(v))
                            + "; expected \"harmful\" or \"not_following\"");
                else if (!set.add(flag)) problems.add("\"" + where + "\" has \"" + flag.wireName() + "\" twice");
            }
            out.add(set);
        }
        return problems.size() > before ? null : out;
    }
}
