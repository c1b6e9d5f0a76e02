package io.cdcplatform.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Renders the chart into {@code manifests/}, for {@code kubectl apply -k} and GitOps tools, in
 * three kustomizations:
 *
 * <ul>
 *   <li>{@code prerequisites/}: what must exist before the rest can even be sent to the API server,
 *       the namespace (Pod Security "restricted", {@code helm/namespace.yaml}) and the CdcPipeline
 *       CRD;
 *   <li>{@code base/}: the chart with its own defaults, nothing of any particular cluster;
 *   <li>{@code kind/}: an overlay on the base that makes it the kind rendering ({@code
 *       helm/values-kind.yaml}), as JSON patches computed from the two renderings.
 * </ul>
 *
 * <p>Every object carries an Argo CD sync wave by its place in the apply order, so that a GitOps
 * sync creates what others refer to first. Never edit manifests/ by hand.
 *
 * <p>Usage: {@code RenderManifests <chart dir> <overlay values file> <output dir>}
 */
public final class RenderManifests {

  static final String HEADER =
      "# Rendered from helm/cdc-platform by make manifests; do not edit.\n";
  static final String WAVE = "argocd.argoproj.io/sync-wave";

  /** Apply order: what others refer to first, the operators' resources after their inputs. */
  static final List<String> ORDER =
      List.of(
          "Namespace",
          "CustomResourceDefinition",
          "ServiceAccount",
          "Secret",
          "ConfigMap",
          "Role",
          "RoleBinding",
          "PersistentVolumeClaim",
          "Service",
          "NetworkPolicy",
          "StatefulSet",
          "Deployment",
          "Job",
          "KafkaNodePool",
          "Kafka",
          "KafkaUser",
          "KafkaTopic",
          "KafkaConnect",
          "KafkaConnector",
          "FlinkDeployment",
          "CdcPipeline");

  /**
   * Argo CD sync waves by kind: the namespace and CRD, then the plain objects (the database among
   * them), the Kafka cluster, its users, topics and Connect, then what needs all of those (the
   * connector, the job), the CdcPipeline last. A wave the chart sets itself is kept.
   */
  static final Map<String, Integer> WAVES =
      Map.ofEntries(
          Map.entry("Namespace", -2),
          Map.entry("CustomResourceDefinition", -2),
          Map.entry("KafkaNodePool", 1),
          Map.entry("Kafka", 1),
          Map.entry("KafkaUser", 2),
          Map.entry("KafkaTopic", 2),
          Map.entry("KafkaConnect", 2),
          Map.entry("KafkaConnector", 3),
          Map.entry("FlinkDeployment", 3),
          Map.entry("CdcPipeline", 4));

  private RenderManifests() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println(
          "render-manifests: expected <chart dir> <overlay values file> <output dir>, got "
              + args.length
              + " arguments");
      System.exit(2);
    }
    Path output = Path.of(args[2]);
    Map<String, String> files = render(new Chart(Path.of(args[0])), Path.of(args[1]));
    if (Files.isDirectory(output)) {
      try (Stream<Path> old = Files.walk(output)) {
        for (Path file :
            old.filter(f -> f.toString().endsWith(".yaml"))
                .sorted(Comparator.reverseOrder())
                .toList()) {
          Files.delete(file);
        }
      }
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path target = output.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
    }
    System.out.println("render-manifests: wrote " + files.size() + " files to " + output);
  }

  /** Relative path to content: prerequisites/, base/ and kind/, each with its kustomization. */
  public static Map<String, String> render(Chart chart, Path overlayValues) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    List<ObjectNode> prerequisites = new ArrayList<>();
    prerequisites.addAll(
        Chart.objects(Files.readString(chart.directory().resolveSibling("namespace.yaml"))));
    prerequisites.addAll(chart.crds());
    write(files, "prerequisites", null, prerequisites);

    List<ObjectNode> base = Chart.objects(chart.template());
    write(files, "base", Chart.NAMESPACE, base);

    List<ObjectNode> overlay = Chart.objects(chart.template(overlayValues));
    files.putAll(overlay(base, overlay));
    return files;
  }

  private static void write(
      Map<String, String> files, String folder, String namespace, List<ObjectNode> objects)
      throws IOException {
    List<ObjectNode> sorted = sorted(objects);
    List<String> names = new ArrayList<>();
    int index = 0;
    for (ObjectNode object : sorted) {
      withWave(object);
      String name = fileName(++index, object);
      names.add(name);
      files.put(folder + "/" + name, HEADER + yaml(object));
    }
    StringBuilder kustomization =
        new StringBuilder(
            HEADER + "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
    if (namespace != null) {
      kustomization.append("namespace: ").append(namespace).append('\n');
    }
    kustomization.append("resources:\n");
    names.forEach(file -> kustomization.append("  - ").append(file).append('\n'));
    files.put(folder + "/kustomization.yaml", kustomization.toString());
  }

  /**
   * The kind overlay: one JSON patch per object that differs from the base, objects only the
   * overlay renders as resources of their own, and a delete patch for objects it does not render.
   */
  static Map<String, String> overlay(List<ObjectNode> base, List<ObjectNode> overlay)
      throws IOException {
    Map<String, ObjectNode> before = byId(base);
    Map<String, ObjectNode> after = byId(overlay);
    Map<String, String> files = new LinkedHashMap<>();
    StringBuilder resources = new StringBuilder("resources:\n  - ../base\n");
    StringBuilder patches = new StringBuilder();
    int extra = 0;
    for (ObjectNode object : sorted(overlay)) {
      withWave(object);
      ObjectNode original = before.get(id(object));
      if (original == null) {
        String name = fileName(++extra, object);
        files.put("kind/" + name, HEADER + yaml(object));
        resources.append("  - ").append(name).append('\n');
        continue;
      }
      ArrayNode operations = Chart.YAML.createArrayNode();
      diff("", withWave(original.deepCopy()), object, operations);
      if (!operations.isEmpty()) {
        patches
            .append("  - target:\n      kind: ")
            .append(object.path("kind").asText())
            .append("\n      name: ")
            .append(object.at("/metadata/name").asText())
            .append("\n    patch: |-\n");
        for (String line : yaml(operations).strip().split("\n")) {
          patches.append("      ").append(line).append('\n');
        }
      }
    }
    for (ObjectNode object : sorted(base)) {
      if (!after.containsKey(id(object))) {
        patches
            .append("  - patch: |-\n")
            .append("      apiVersion: ")
            .append(object.path("apiVersion").asText())
            .append("\n      kind: ")
            .append(object.path("kind").asText())
            .append("\n      metadata:\n        name: ")
            .append(object.at("/metadata/name").asText())
            .append("\n      $patch: delete\n");
      }
    }
    files.put(
        "kind/kustomization.yaml",
        HEADER
            + "# The base with helm/values-kind.yaml: kubectl apply -k manifests/kind\n"
            + "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            + "namespace: "
            + Chart.NAMESPACE
            + "\n"
            + resources
            + (patches.isEmpty() ? "" : "patches:\n" + patches));
    return files;
  }

  /**
   * RFC 6902 operations that turn {@code from} into {@code to}: objects field by field, arrays of
   * the same length element by element, anything else replaced whole.
   */
  static void diff(String path, JsonNode from, JsonNode to, ArrayNode operations) {
    if (from.equals(to)) {
      return;
    }
    if (from.isObject() && to.isObject()) {
      for (Iterator<String> names = from.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!to.has(name)) {
          operations.addObject().put("op", "remove").put("path", path + "/" + pointer(name));
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> fields = to.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        String child = path + "/" + pointer(field.getKey());
        if (from.has(field.getKey())) {
          diff(child, from.get(field.getKey()), field.getValue(), operations);
        } else {
          operations.addObject().put("op", "add").put("path", child).set("value", field.getValue());
        }
      }
      return;
    }
    if (from.isArray() && to.isArray() && from.size() == to.size()) {
      for (int i = 0; i < from.size(); i++) {
        diff(path + "/" + i, from.get(i), to.get(i), operations);
      }
      return;
    }
    operations.addObject().put("op", "replace").put("path", path).set("value", to);
  }

  /** An object's file: its place in the folder's apply order, its kind and name. */
  private static String fileName(int index, JsonNode object) {
    return "%03d-%s-%s.yaml"
        .formatted(
            index,
            object.path("kind").asText().toLowerCase(Locale.ROOT),
            object.at("/metadata/name").asText());
  }

  private static String pointer(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  private static ObjectNode withWave(ObjectNode object) {
    Integer wave = WAVES.get(object.path("kind").asText());
    ObjectNode metadata = (ObjectNode) object.path("metadata");
    JsonNode annotations = metadata.path("annotations");
    if (annotations.has(WAVE)) {
      return object;
    }
    (annotations.isObject() ? (ObjectNode) annotations : metadata.putObject("annotations"))
        .put(WAVE, String.valueOf(wave == null ? 0 : wave));
    return object;
  }

  private static Map<String, ObjectNode> byId(List<ObjectNode> objects) {
    Map<String, ObjectNode> byId = new LinkedHashMap<>();
    objects.forEach(o -> byId.put(id(o), o));
    return byId;
  }

  private static String id(JsonNode object) {
    return object.path("kind").asText() + "/" + object.at("/metadata/name").asText();
  }

  private static List<ObjectNode> sorted(List<ObjectNode> objects) {
    List<ObjectNode> sorted = new ArrayList<>(objects);
    sorted.sort(
        Comparator.comparingInt((ObjectNode o) -> rank(o.path("kind").asText()))
            .thenComparing(o -> o.path("metadata").path("name").asText()));
    return sorted;
  }

  private static String yaml(JsonNode node) throws IOException {
    return Chart.YAML.writeValueAsString(node).replaceFirst("^---\\n", "");
  }

  private static int rank(String kind) {
    int rank = ORDER.indexOf(kind);
    if (rank < 0) {
      throw new IllegalStateException(
          "the chart renders a " + kind + ", which has no place in the apply order " + ORDER);
    }
    return rank;
  }
}
