package io.cdcplatform.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates custom resources against the openAPIV3Schema of their CustomResourceDefinition, the way
 * an API server with strict field validation would: a field the schema does not declare is an error
 * (the schema is tightened with {@code additionalProperties: false} wherever it lists properties
 * and does not keep unknown fields). {@code metadata} is left to the built-in checks.
 */
public final class CrdSchemas {

  private static final java.util.Set<String> COMBINERS =
      java.util.Set.of("oneOf", "anyOf", "allOf", "not");

  private final Map<String, Schema> schemas = new HashMap<>();
  private final SchemaRegistry registry = SchemaRegistry.withDialect(Dialects.getOpenApi30());

  /** Adds every version of the CRDs in a YAML stream (one or more documents). */
  public CrdSchemas add(InputStream yaml) throws IOException {
    try (var parser = Chart.YAML.getFactory().createParser(yaml)) {
      for (var documents = Chart.YAML.readValues(parser, JsonNode.class); documents.hasNext(); ) {
        JsonNode crd = documents.next();
        if (crd == null || !"CustomResourceDefinition".equals(crd.path("kind").asText())) {
          continue;
        }
        String group = crd.path("spec").path("group").asText();
        String kind = crd.path("spec").path("names").path("kind").asText();
        for (JsonNode version : crd.path("spec").path("versions")) {
          if (!version.path("schema").path("openAPIV3Schema").isObject()) {
            continue;
          }
          ObjectNode schema =
              (ObjectNode) version.path("schema").path("openAPIV3Schema").deepCopy();
          // metadata has checks of its own (names, labels); some CRDs leave out apiVersion and
          // kind.
          ObjectNode root = (ObjectNode) schema.path("properties");
          root.putObject("metadata").put("type", "object");
          root.putObject("apiVersion").put("type", "string");
          root.putObject("kind").put("type", "string");
          tighten(schema);
          schemas.put(
              key(group + "/" + version.path("name").asText(), kind),
              registry.getSchema(Chart.YAML.writeValueAsString(schema), InputFormat.YAML));
        }
      }
    }
    return this;
  }

  /** Whether a schema is known for this apiVersion and kind. */
  public boolean knows(String apiVersion, String kind) {
    return schemas.containsKey(key(apiVersion, kind));
  }

  /** The violations of one object, each naming where and what; empty when it is valid. */
  public List<String> validate(JsonNode object) throws IOException {
    String apiVersion = object.path("apiVersion").asText();
    String kind = object.path("kind").asText();
    Schema schema = schemas.get(key(apiVersion, kind));
    if (schema == null) {
      return List.of("no CRD schema for " + apiVersion + " " + kind);
    }
    return schema.validate(Chart.YAML.writeValueAsString(object), InputFormat.YAML).stream()
        .map(error -> error.getInstanceLocation() + ": " + error.getMessage())
        .toList();
  }

  private static String key(String apiVersion, String kind) {
    return apiVersion + " " + kind;
  }

  // Closes every object schema that lists its properties, unless it keeps unknown fields.
  private static void tighten(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.has("properties")
          && !object.has("additionalProperties")
          && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
        object.put("additionalProperties", false);
      }
      // oneOf/anyOf/allOf/not branches of a CRD schema only say which declared fields must be
      // present together; the object they apply to is closed already.
      object.properties().stream()
          .filter(entry -> !COMBINERS.contains(entry.getKey()))
          .forEach(entry -> tighten(entry.getValue()));
    } else if (node instanceof ArrayNode array) {
      array.forEach(CrdSchemas::tighten);
    }
  }
}
