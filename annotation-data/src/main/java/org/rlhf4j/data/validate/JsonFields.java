package org.rlhf4j.data.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.rlhf4j.data.format.Message;
import org.rlhf4j.data.format.Role;
import org.rlhf4j.data.format.Split;

/**
 * Strict reading of one JSON object's fields: each getter checks presence and type and, when something is wrong,
 * appends a message naming the field (with its path, e.g. {@code "sources[2].temperature"}) and returns null. JSON
 * null counts as absent. Blank texts are returned as they are: the records' own rules report them.
 */
public final class JsonFields {
    private final ObjectNode object;
    private final String path;
    private final List<String> problems;

    /**
     * @param path     prefix for field names in messages: "" at the top level, "sources[2]." inside a list
     * @param problems where messages go
     */
    public JsonFields(ObjectNode object, String path, List<String> problems) {
        this.object = object;
        this.path = path;
        this.problems = problems;
    }

    public JsonFields(ObjectNode object, List<String> problems) {
        this(object, "", problems);
    }

    /** Reports every field not in {@code allowed}: a misspelt optional field must never be silently ignored. */
    public void allowOnly(String... allowed) {
        Set<String> ok = Set.of(allowed);
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!ok.contains(name))
                problems.add("unknown field \"" + path + name + "\" (allowed: " + String.join(", ", new LinkedHashSet<>(List.of(allowed))) + ")");
        }
    }

    /** The field's value, or null when absent or JSON null. */
    public JsonNode get(String name) {
        JsonNode n = object.get(name);
        return n == null || n.isNull() ? null : n;
    }

    public boolean has(String name) {
        return get(name) != null;
    }

    /** The field's full name in messages. */
    public String name(String field) {
        return path + field;
    }

    public String requiredText(String name) {
        JsonNode n = get(name);
        if (n == null) {
            missing(name);
            return null;
        }
        return text(n, name(name));
    }

    public String optionalText(String name) {
        JsonNode n = get(name);
        return n == null ? null : text(n, name(name));
    }

    public Split optionalSplit() {
        String s = optionalText("split");
        if (s == null) return null;
        Split split = Split.fromWireName(s).orElse(null);
        if (split == null) problems.add("\"" + name("split") + "\" is \"" + s + "\"; expected train, validation or test");
        return split;
    }

    /** The "gold" object (free-form inside); null when absent or not an object. */
    public JsonNode optionalGold() {
        JsonNode n = get("gold");
        if (n != null && !n.isObject()) {
            problems.add("\"" + name("gold") + "\" must be a JSON object, found " + describe(n));
            return null;
        }
        return n;
    }

    public Double requiredNumber(String name) {
        JsonNode n = get(name);
        if (n == null) {
            missing(name);
            return null;
        }
        if (!n.isNumber()) {
            wrongType(name(name), "a number", n);
            return null;
        }
        return n.doubleValue();
    }

    public Long optionalLong(String name) {
        JsonNode n = get(name);
        if (n == null) return null;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            wrongType(name(name), "an integer", n);
            return null;
        }
        return n.longValue();
    }

    /** An array field; null, with a problem, when missing (if required) or not an array. */
    public JsonNode array(String name, boolean required) {
        JsonNode n = get(name);
        if (n == null) {
            if (required) missing(name);
            return null;
        }
        if (!n.isArray()) {
            wrongType(name(name), "a list", n);
            return null;
        }
        return n;
    }

    /** A list of strings; null when missing, not a list, or any element is not a string (each is reported). */
    public List<String> textList(String name, boolean required) {
        JsonNode a = array(name, required);
        if (a == null) return null;
        List<String> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < a.size(); i++) {
            String s = text(a.get(i), name(name) + "[" + i + "]");
            if (s == null) ok = false;
            else out.add(s);
        }
        return ok ? out : null;
    }

    /** A list of integers; null when missing, not a list, or any element is not an integer (each is reported). */
    public List<Integer> intList(String name, boolean required) {
        JsonNode a = array(name, required);
        if (a == null) return null;
        List<Integer> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                wrongType(name(name) + "[" + i + "]", "an integer", e);
                ok = false;
            } else {
                out.add(e.intValue());
            }
        }
        return ok ? out : null;
    }

    /** A list of booleans; null when missing, not a list, or any element is not a boolean (each is reported). */
    public List<Boolean> booleanList(String name, boolean required) {
        JsonNode a = array(name, required);
        if (a == null) return null;
        List<Boolean> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            if (!e.isBoolean()) {
                wrongType(name(name) + "[" + i + "]", "true or false", e);
                ok = false;
            } else {
                out.add(e.booleanValue());
            }
        }
        return ok ? out : null;
    }

    /**
     * A list of {"role", "content"} messages; null when missing, not a list, or any message is malformed (each
     * problem is reported). Turn order is not checked here: the records do that.
     */
    public List<Message> messages(String name, boolean required) {
        JsonNode a = array(name, required);
        if (a == null) return null;
        List<Message> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < a.size(); i++) {
            String where = name(name) + "[" + i + "]";
            JsonNode e = a.get(i);
            if (!e.isObject()) {
                wrongType(where, "a {\"role\", \"content\"} object", e);
                ok = false;
                continue;
            }
            int before = problems.size();
            JsonFields m = new JsonFields((ObjectNode) e, where + ".", problems);
            m.allowOnly("role", "content");
            String roleName = m.requiredText("role");
            String content = m.requiredText("content");
            Role role = roleName == null ? null : Role.fromWireName(roleName).orElse(null);
            if (roleName != null && role == null)
                problems.add("\"" + where + ".role\" is \"" + roleName + "\"; expected system, user or assistant");
            if (content != null && content.isBlank()) problems.add("\"" + where + ".content\" is empty");
            if (problems.size() > before) ok = false;
            else out.add(new Message(role, content));
        }
        return ok ? out : null;
    }

    private String text(JsonNode n, String fullName) {
        if (!n.isTextual()) {
            wrongType(fullName, "a string", n);
            return null;
        }
        return n.textValue();
    }

    private void missing(String name) {
        problems.add("missing field \"" + name(name) + "\"");
    }

    private void wrongType(String fullName, String expected, JsonNode found) {
        problems.add("\"" + fullName + "\" must be " + expected + ", found " + describe(found));
    }

    /** "a number (1.5)", "a string", "a list" ...: what a JSON value is, for messages. */
    public static String describe(JsonNode n) {
        String t = typeOf(n);
        String article = t.startsWith("o") || t.startsWith("a") ? "an " : "a ";
        if (n.isNumber() || n.isBoolean()) return article + t + " (" + n.asText() + ")";
        if (n.isNull()) return "null";
        return article + t;
    }

    static String typeOf(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "list";
            case BOOLEAN -> "boolean";
            case NUMBER -> "number";
            case OBJECT -> "object";
            case STRING -> "string";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase();
        };
    }
}
