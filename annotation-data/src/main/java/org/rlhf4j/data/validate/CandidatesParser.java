package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.ResponseSource;
import org.rlhf4j.data.format.Split;

/**
 * Reads K sampled responses to rank: {@code {"id", "prompt", "family", "split", "gold", "responses", "eos", "sources"}};
 * ids must be unique within the file (a labelling session resumes by them).
 */
final class CandidatesParser implements RecordParser<Candidates> {
    private final Map<String, Integer> lineOfId = new HashMap<>();

    @Override
    public Candidates parse(ObjectNode object, int line, List<String> problems) {
        int before = problems.size();
        JsonFields f = new JsonFields(object, problems);
        f.allowOnly("id", "prompt", "family", "split", "gold", "responses", "eos", "sources");
        String id = f.requiredText("id");
        String prompt = f.requiredText("prompt");
        String family = f.optionalText("family");
        Split split = f.optionalSplit();
        JsonNode gold = f.optionalGold();
        List<String> responses = f.textList("responses", true);
        List<Boolean> eos = f.booleanList("eos", false);
        JsonNode sourcesNode = f.array("sources", false);
        List<ResponseSource> sources = sourcesNode == null ? null : RankingsParser.sources(sourcesNode, problems);
        problems.addAll(Candidates.problems(id, prompt, family, gold, responses,
                eos == null ? null : eos.size(), sourcesNode == null ? null : sourcesNode.size()));
        if (id != null && !id.isBlank()) {
            Integer first = lineOfId.putIfAbsent(id, line);
            if (first != null) problems.add("\"id\" \"" + id + "\" is already used on line " + first);
        }
        if (problems.size() > before) return null;
        return new Candidates(id, prompt, family, split, gold, responses, eos, sources);
    }
}
