package org.rlhf4j.data.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * Writes records in their wire form: one JSON object per record, fields in the documented order, optional fields left
 * out when null. The reverse direction, which must check every field, is the validator's parsers.
 */
public final class RecordJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RecordJson() {}

    /** One JSON Lines line for {@code record} (no line terminator; newlines inside texts are escaped). */
    public static String toLine(Object record) {
        try {
            return MAPPER.writeValueAsString(toJson(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }

    /**
     * The wire form of a {@link PretrainDoc}, {@link PromptRecord}, {@link Dialogue}, {@link Ranking},
     * {@link PairRecord} or {@link Candidates}.
     */
    public static ObjectNode toJson(Object record) {
        if (record instanceof PretrainDoc d) return pretrain(d);
        if (record instanceof PromptRecord p) return prompt(p);
        if (record instanceof Dialogue d) return dialogue(d);
        if (record instanceof Ranking r) return ranking(r);
        if (record instanceof PairRecord p) return pair(p);
        if (record instanceof Candidates c) return candidates(c);
        throw new IllegalArgumentException("not a data record: " + (record == null ? "null" : record.getClass().getName()));
    }

    private static ObjectNode pretrain(PretrainDoc d) {
        ObjectNode o = NODES.objectNode();
        o.put("text", d.text());
        putIf(o, "source", d.source());
        return o;
    }

    private static ObjectNode prompt(PromptRecord p) {
        ObjectNode o = NODES.objectNode();
        o.put("id", p.id());
        o.put("prompt", p.prompt());
        putIf(o, "family", p.family());
        putIf(o, "split", p.split() == null ? null : p.split().wireName());
        if (p.gold() != null) o.set("gold", p.gold());
        return o;
    }

    private static ObjectNode dialogue(Dialogue d) {
        ObjectNode o = NODES.objectNode();
        putIf(o, "id", d.id());
        putIf(o, "family", d.family());
        putIf(o, "split", d.split() == null ? null : d.split().wireName());
        if (d.gold() != null) o.set("gold", d.gold());
        o.set("messages", messages(d.messages()));
        return o;
    }

    private static ObjectNode ranking(Ranking r) {
        ObjectNode o = NODES.objectNode();
        putIf(o, "id", r.id());
        o.put("prompt", r.prompt());
        ArrayNode responses = o.putArray("responses");
        r.responses().forEach(responses::add);
        ArrayNode ranking = o.putArray("ranking");
        r.ranking().forEach(ranking::add);
        o.put("annotator", r.annotator());
        putIf(o, "family", r.family());
        putIf(o, "split", r.split() == null ? null : r.split().wireName());
        if (r.gold() != null) o.set("gold", r.gold());
        if (r.sources() != null) o.set("sources", sources(r.sources()));
        if (r.flags() != null) {
            ArrayNode flags = o.putArray("flags");
            for (Set<Flag> fs : r.flags()) {
                ArrayNode a = flags.addArray();
                fs.forEach(f -> a.add(f.wireName()));
            }
        }
        if (r.eos() != null) {
            ArrayNode eos = o.putArray("eos");
            r.eos().forEach(eos::add);
        }
        if (r.shown() != null) {
            ArrayNode shown = o.putArray("shown");
            r.shown().forEach(shown::add);
        }
        return o;
    }

    private static ObjectNode candidates(Candidates c) {
        ObjectNode o = NODES.objectNode();
        o.put("id", c.id());
        o.put("prompt", c.prompt());
        putIf(o, "family", c.family());
        putIf(o, "split", c.split() == null ? null : c.split().wireName());
        if (c.gold() != null) o.set("gold", c.gold());
        ArrayNode responses = o.putArray("responses");
        c.responses().forEach(responses::add);
        if (c.eos() != null) {
            ArrayNode eos = o.putArray("eos");
            c.eos().forEach(eos::add);
        }
        if (c.sources() != null) o.set("sources", sources(c.sources()));
        return o;
    }

    private static ArrayNode sources(List<ResponseSource> list) {
        ArrayNode sources = NODES.arrayNode();
        for (ResponseSource s : list) {
            ObjectNode so = sources.addObject();
            so.put("checkpoint", s.checkpoint());
            so.put("temperature", s.temperature());
            if (s.seed() != null) so.put("seed", s.seed());
        }
        return sources;
    }

    /** Single-turn pairs in TRL's standard form, longer conversations in its conversational form. */
    private static ObjectNode pair(PairRecord p) {
        ObjectNode o = NODES.objectNode();
        if (p.singleTurn()) {
            o.put("prompt", p.prompt().get(0).content());
            o.put("chosen", p.chosen());
            o.put("rejected", p.rejected());
        } else {
            o.set("prompt", messages(p.prompt()));
            o.set("chosen", messages(List.of(Message.assistant(p.chosen()))));
            o.set("rejected", messages(List.of(Message.assistant(p.rejected()))));
        }
        return o;
    }

    private static ArrayNode messages(List<Message> messages) {
        ArrayNode a = NODES.arrayNode();
        for (Message m : messages) {
            ObjectNode mo = a.addObject();
            mo.put("role", m.role().wireName());
            mo.put("content", m.content());
        }
        return a;
    }

    private static void putIf(ObjectNode o, String field, String value) {
        if (value != null) o.put(field, value);
    }
}
