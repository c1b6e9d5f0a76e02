package io.cdcplatform.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node of the definition's YAML with the place it stands at ({@code analytics[2].key}), so that
 * every complaint names the field; a mapping only accepts the fields it is told about.
 */
final class YamlNode {

  private final JsonNode node;
  private final String where;
  private final Problems problems;

  /** Turns a complaint about a place into the exception the loader throws. */
  interface Problems {
    DefinitionException at(String where, String problem);
  }

  YamlNode(JsonNode node, String where, Problems problems) {
    this.node = node;
    this.where = where;
    this.problems = problems;
  }

  String where() {
    return where;
  }

  DefinitionException problem(String problem) {
    return problems.at(where, problem);
  }

  /** Refuses any field of this mapping that is not among the allowed ones. */
  YamlNode mapping(Set<String> allowed) {
    if (node == null || !node.isObject()) {
      throw problem("expected a mapping with " + sorted(allowed));
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw problems.at(join(where, name), "unknown field; expected one of " + sorted(allowed));
      }
    }
    return this;
  }

  /** The same node, named otherwise in complaints (an analytic by its name, not its index). */
  YamlNode renamed(String name) {
    return new YamlNode(node, name, problems);
  }

  boolean has(String field) {
    JsonNode child = node.get(field);
    return child != null && !child.isNull();
  }

  YamlNode get(String field) {
    return new YamlNode(node.get(field), join(where, field), problems);
  }

  /** A required text (a scalar). */
  String text() {
    if (node == null || node.isNull()) {
      throw problem("required, missing");
    }
    if (!node.isValueNode()) {
      throw problem("expected a single value");
    }
    String text = node.asText();
    if (text.isBlank()) {
      throw problem("expected a value, got an empty one");
    }
    return text;
  }

  String text(String field) {
    return get(field).text();
  }

  String text(String field, String fallback) {
    return has(field) ? text(field) : fallback;
  }

  /** A required, non-empty list. */
  List<YamlNode> list() {
    if (node == null || node.isNull()) {
      throw problem("required, missing");
    }
    if (!node.isArray() || node.isEmpty()) {
      throw problem("expected a list with at least one entry");
    }
    List<YamlNode> items = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      items.add(new YamlNode(node.get(i), where + "[" + i + "]", problems));
    }
    return items;
  }

  /** A mapping of scalars, as texts, in the file's order. */
  Map<String, String> scalars() {
    Map<String, String> values = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return values;
    }
    if (!node.isObject()) {
      throw problem("expected a mapping of names to values");
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getValue().isValueNode() || field.getValue().isNull()) {
        throw problems.at(join(where, field.getKey()), "expected a single value");
      }
      values.put(field.getKey(), field.getValue().asText());
    }
    return values;
  }

  private static String join(String where, String field) {
    return where.isEmpty() ? field : where + "." + field;
  }

  private static String sorted(Set<String> names) {
    return String.join(", ", new java.util.TreeSet<>(names));
  }
}
