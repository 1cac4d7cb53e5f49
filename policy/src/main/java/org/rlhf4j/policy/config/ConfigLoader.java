package org.rlhf4j.policy.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a stage config (a JSON file) into its record type. Before any work starts it reports, all at once and each
 * with its key path: unknown keys (a typo is never ignored), missing keys, wrong JSON types, and out-of-range values
 * (from {@link Validated#problems}). {@code --set a.b=value} overrides are applied to the JSON first; the value is read
 * as JSON when it parses (numbers, booleans, arrays) and as a string otherwise.
 */
public final class ConfigLoader {
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private ConfigLoader() {}

    /** The parsed config and the resolved JSON it came from (to store in provenance). */
    public record Loaded<T>(T config, ObjectNode resolved) {}

    public static <T> Loaded<T> load(Path file, Class<T> type, List<String> overrides) {
        ObjectNode tree;
        try {
            JsonNode n = JSON.readTree(Files.readString(file));
            if (n == null || !n.isObject()) throw new ConfigException(file.toString(), List.of("(root): expected a JSON object"));
            tree = (ObjectNode) n;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new ConfigException(file.toString(), List.of(file + ":" + (loc == null ? "?" : loc.getLineNr() + ":" + loc.getColumnNr()) + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of(file + ": cannot read (" + e.getMessage() + ")"));
        }
        return fromTree(file.toString(), tree, type, overrides);
    }

    public static <T> Loaded<T> fromTree(String source, ObjectNode tree, Class<T> type, List<String> overrides) {
        List<String> problems = new ArrayList<>();
        for (String o : overrides == null ? List.<String>of() : overrides) applyOverride(tree, o, problems);
        checkShape(tree, type, "", problems);
        if (!problems.isEmpty()) throw new ConfigException(source, problems);
        T cfg;
        try {
            cfg = JSON.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of(e.getOriginalMessage()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source, List.of(e.getMessage()));
        }
        if (cfg instanceof Validated v) problems.addAll(v.problems(""));
        if (!problems.isEmpty()) throw new ConfigException(source, problems);
        return new Loaded<>(cfg, tree);
    }

    static void applyOverride(ObjectNode tree, String override, List<String> problems) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            problems.add("--set " + override + ": expected key.path=value");
            return;
        }
        String[] path = override.substring(0, eq).split("\\.");
        String raw = override.substring(eq + 1);
        JsonNode value;
        try {
            value = JSON.readTree(raw);
            if (value == null || value.isMissingNode()) value = JSON.getNodeFactory().textNode(raw);
        } catch (JsonProcessingException e) {
            value = JSON.getNodeFactory().textNode(raw);
        }
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || !child.isObject()) {
                problems.add("--set " + override.substring(0, eq) + ": " + String.join(".", java.util.Arrays.copyOf(path, i + 1)) + " is not an object in the config");
                return;
            }
            node = (ObjectNode) child;
        }
        node.set(path[path.length - 1], value);
    }

    /** Walks the JSON against the record's components: unknown keys, missing keys and JSON types. */
    static void checkShape(JsonNode node, Type type, String path, List<String> problems) {
        Class<?> raw = rawClass(type);
        String where = path.isEmpty() ? "(root)" : path;
        if (raw.isRecord()) {
            if (!node.isObject()) {
                problems.add(where + ": expected an object, got " + describe(node));
                return;
            }
            Map<String, RecordComponent> comps = new LinkedHashMap<>();
            for (RecordComponent rc : raw.getRecordComponents()) comps.put(jsonName(rc), rc);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!comps.containsKey(k)) problems.add(join(path, k) + ": unknown key (expected one of " + String.join(", ", comps.keySet()) + ")");
            }
            for (var e : comps.entrySet()) {
                JsonNode child = node.get(e.getKey());
                boolean optional = e.getValue().isAnnotationPresent(OptionalKey.class);
                if (child == null || child.isNull()) {
                    if (!optional) problems.add(join(path, e.getKey()) + ": missing (expected " + expected(e.getValue().getGenericType()) + ")");
                    continue;
                }
                checkShape(child, e.getValue().getGenericType(), join(path, e.getKey()), problems);
            }
        } else if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            if (!node.isIntegralNumber()) problems.add(where + ": expected an integer, got " + describe(node));
        } else if (raw == double.class || raw == Double.class || raw == float.class) {
            if (!node.isNumber()) problems.add(where + ": expected a number, got " + describe(node));
        } else if (raw == boolean.class || raw == Boolean.class) {
            if (!node.isBoolean()) problems.add(where + ": expected true or false, got " + describe(node));
        } else if (raw == String.class) {
            if (!node.isTextual()) problems.add(where + ": expected a string, got " + describe(node));
        } else if (raw.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object c : raw.getEnumConstants()) names.add(enumName((Enum<?>) c));
            if (!node.isTextual() || !names.contains(node.asText())) problems.add(where + ": expected one of " + names + ", got " + describe(node));
        } else if (List.class.isAssignableFrom(raw)) {
            if (!node.isArray()) {
                problems.add(where + ": expected an array, got " + describe(node));
                return;
            }
            Type elem = type instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : Object.class;
            for (int i = 0; i < node.size(); i++) checkShape(node.get(i), elem, where + "[" + i + "]", problems);
        } else if (Map.class.isAssignableFrom(raw)) {
            if (!node.isObject()) problems.add(where + ": expected an object, got " + describe(node));
        }
    }

    static String enumName(Enum<?> c) {
        try {
            JsonProperty p = c.getDeclaringClass().getField(c.name()).getAnnotation(JsonProperty.class);
            return p != null ? p.value() : c.name();
        } catch (NoSuchFieldException e) {
            return c.name();
        }
    }

    static String jsonName(RecordComponent rc) {
        JsonProperty p = rc.getAnnotation(JsonProperty.class);
        if (p == null) {
            try {
                p = rc.getDeclaringRecord().getDeclaredField(rc.getName()).getAnnotation(JsonProperty.class);
            } catch (NoSuchFieldException ignored) {
                // fall through
            }
        }
        return p != null && !p.value().isEmpty() ? p.value() : rc.getName();
    }

    private static Class<?> rawClass(Type t) {
        if (t instanceof Class<?> c) return c;
        if (t instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        return Object.class;
    }

    private static String expected(Type t) {
        Class<?> c = rawClass(t);
        if (c.isRecord()) return "an object";
        if (c == int.class || c == long.class || c == Integer.class || c == Long.class) return "an integer";
        if (c == double.class || c == Double.class) return "a number";
        if (c == boolean.class || c == Boolean.class) return "true or false";
        if (c == String.class) return "a string";
        if (List.class.isAssignableFrom(c)) return "an array";
        return c.getSimpleName();
    }

    private static String describe(JsonNode n) {
        String s = n.toString();
        return (n.isTextual() ? "string " : n.isNumber() ? "number " : n.isBoolean() ? "boolean " : n.isArray() ? "array " : n.isObject() ? "object " : "") + (s.length() > 40 ? s.substring(0, 40) + "…" : s);
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
