package io.cdcplatform.chart;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Checks objects of built-in kinds against fabric8's typed Kubernetes model: the object must read
 * as its typed class, and no field may end up among a model object's additional properties, which
 * is where the model keeps fields the Kubernetes API does not define (a misspelt or misplaced
 * field).
 */
public final class BuiltinKinds {

  private BuiltinKinds() {}

  /** The problems of one object; empty when every field is one the API defines. */
  @SuppressWarnings("deprecation")
  public static List<String> validate(JsonNode object) throws Exception {
    String text = Chart.YAML.writeValueAsString(object);
    Object typed = Serialization.unmarshal(text);
    if (!(typed instanceof HasMetadata) || typed instanceof GenericKubernetesResource) {
      return List.of(
          "not a built-in kind fabric8 knows: "
              + object.path("apiVersion").asText()
              + " "
              + object.path("kind").asText());
    }
    List<String> problems = new ArrayList<>();
    walk(typed, object.path("kind").asText(), problems);
    return problems;
  }

  private static void walk(Object value, String path, List<String> problems) throws Exception {
    if (value == null) {
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", problems);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        walk(entry.getValue(), path + "." + entry.getKey(), problems);
      }
      return;
    }
    if (!(value instanceof KubernetesResource)) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object field = getter.invoke(value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": fields the API does not define: " + extra.keySet());
        }
        continue;
      }
      String name =
          Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
      walk(field, path + "." + name, problems);
    }
  }
}
