package io.cdcplatform.chart;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Renders the chart with the kind values into {@code manifests/}: one file per object, named in the
 * order to apply them, and a kustomization listing them, so the folder serves {@code kubectl apply
 * -k}, {@code kubectl apply -f} and GitOps tools alike. Never edit manifests/ by hand.
 *
 * <p>Usage: {@code RenderManifests <chart dir> <values file> <output dir>}
 */
public final class RenderManifests {

  /** Apply order: what others refer to first, the operators' resources after their inputs. */
  static final List<String> ORDER =
      List.of(
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

  private RenderManifests() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println(
          "render-manifests: expected <chart dir> <values file> <output dir>, got "
              + args.length
              + " arguments");
      System.exit(2);
    }
    Path output = Path.of(args[2]);
    Map<String, String> files = render(new Chart(Path.of(args[0])), Path.of(args[1]));
    Files.createDirectories(output);
    try (Stream<Path> old = Files.list(output)) {
      for (Path file : old.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        Files.delete(file);
      }
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(output.resolve(file.getKey()), file.getValue());
    }
    System.out.println("render-manifests: wrote " + files.size() + " files to " + output);
  }

  /** File name to content, in apply order, the kustomization last. */
  public static Map<String, String> render(Chart chart, Path values) throws IOException {
    List<ObjectNode> objects = new ArrayList<>(chart.crds());
    objects.addAll(Chart.objects(chart.template(values)));
    objects.sort(
        Comparator.comparingInt((ObjectNode o) -> rank(o.path("kind").asText()))
            .thenComparing(o -> o.path("metadata").path("name").asText()));
    Map<String, String> files = new LinkedHashMap<>();
    int index = 0;
    for (ObjectNode object : objects) {
      String name =
          "%03d-%s-%s.yaml"
              .formatted(
                  ++index,
                  object.path("kind").asText().toLowerCase(java.util.Locale.ROOT),
                  object.path("metadata").path("name").asText());
      files.put(
          name,
          "# Rendered from helm/cdc-platform by make manifests; do not edit.\n"
              + Chart.YAML.writeValueAsString(object).replaceFirst("^---\\n", ""));
    }
    StringBuilder kustomization =
        new StringBuilder(
            "# Rendered from helm/cdc-platform by make manifests; do not edit.\n"
                + "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                + "kind: Kustomization\n"
                + "namespace: "
                + Chart.NAMESPACE
                + "\n"
                + "resources:\n");
    files.keySet().forEach(file -> kustomization.append("  - ").append(file).append('\n'));
    files.put("kustomization.yaml", kustomization.toString());
    return files;
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
