package io.cdcplatform.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import io.cdcplatform.pipeline.TableName;
import io.cdcplatform.pipeline.Topic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart renders what the pipeline definition decides, from the same files the local run and the
 * job read: the connector's tables, topic prefix and message keys, the job's parallelism, and the
 * definition itself, mounted into the job. A drift between them fails here.
 */
class PipelineRenderingTest {

  static final Path HOME = Path.of(System.getProperty("cdc.home"));
  static final Path CHART_DIR = HOME.resolve("helm/cdc-platform");
  static final Chart CHART = new Chart(CHART_DIR);

  @Test
  void theChartsOwnDefinitionReachesTheConnectorAndTheJob() throws IOException {
    PipelineDefinition shop = PipelineDefinitions.load(CHART_DIR.resolve("files/pipeline"));
    Map<String, String> files = new LinkedHashMap<>();
    try (Stream<Path> paths = Files.list(CHART_DIR.resolve("files/pipeline"))) {
      for (Path path : paths.sorted().toList()) {
        files.put(path.getFileName().toString(), Files.readString(path));
      }
    }

    assertRendersFrom(Chart.objects(CHART.template()), shop, files);
  }

  @Test
  void aUsersOwnDefinitionFromValuesReplacesTheShopEverywhere(@TempDir Path folder)
      throws IOException {
    Map<String, String> files =
        Map.of(
            "pipeline.yaml",
            """
            name: ledger
            source:
              topicPrefix: pay
              heartbeat: ops.heartbeat
              tables:
                - table: ledger.entries
                  key: [account_id, entry_no]
                - table: ledger.accounts
            analytics:
              - name: balances
                query: balances.sql
                key: [account_id]
            job:
              parallelism: 2
            """,
            "balances.sql",
            "SELECT account_id, SUM(amount) AS balance FROM ledger.entries GROUP BY account_id\\n");
    Path definition = folder.resolve("definition");
    Files.createDirectories(definition);
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(definition.resolve(file.getKey()), file.getValue());
    }
    ObjectNode values = Chart.YAML.createObjectNode();
    ObjectNode fileValues = values.putObject("pipeline").putObject("files");
    files.forEach(fileValues::put);
    Path valuesFile = folder.resolve("values.yaml");
    Chart.YAML.writeValue(valuesFile.toFile(), values);

    List<ObjectNode> rendered = Chart.objects(CHART.template(valuesFile));

    PipelineDefinition ledger = PipelineDefinitions.load(definition);
    assertThat(ledger.connectorSettings())
        .containsEntry("message.key.columns", "ledger.entries:account_id,entry_no");
    assertRendersFrom(rendered, ledger, files);
  }

  private static void assertRendersFrom(
      List<ObjectNode> rendered, PipelineDefinition definition, Map<String, String> files) {
    JsonNode connector = only(rendered, "KafkaConnector").at("/spec/config");
    definition
        .connectorSettings()
        .forEach((key, value) -> assertThat(connector.path(key).asText()).as(key).isEqualTo(value));
    if (!definition.connectorSettings().containsKey("message.key.columns")) {
      assertThat(connector.has("message.key.columns")).isFalse();
    }
    JsonNode deployment = only(rendered, "FlinkDeployment").at("/spec");
    assertThat(deployment.at("/job/parallelism").asInt())
        .isEqualTo(Integer.parseInt(definition.job().getOrDefault("parallelism", "1")));
    // The job id is the definition's generation, as the job itself computes it: a new generation
    // starts without the old one's checkpoints.
    assertThat(deployment.at("/flinkConfiguration").path("$internal.pipeline.job-id").asText())
        .isEqualTo(definition.jobId());
    // Flink Kubernetes Operator 1.15: JobSpec.savepointRedeployNonce is @SpecDiff
    // SAVEPOINT_REDEPLOY, and AbstractJobReconciler.redeployWithSavepoint cancels the job and
    // deploys it from initialSavepointPath; with none, ApplicationReconciler.deploy removes any
    // savepoint path and deletes the HA metadata. Without the nonce, a last-state upgrade to a new
    // job id finds the old job's HA checkpoint, sets its placeholder savepoint path and the new
    // job fails to restore from it. A job id the configuration sets is kept
    // (ApplicationReconciler.setJobIdIfNecessary).
    assertThat(deployment.at("/job/savepointRedeployNonce").isIntegralNumber()).isTrue();
    assertThat(deployment.at("/job/savepointRedeployNonce").asLong())
        .isEqualTo(definition.redeployNonce());
    assertThat(deployment.at("/job").has("initialSavepointPath")).isFalse();
    // Source setup runs again for every generation: a Job is immutable and runs once.
    assertThat(
            rendered.stream()
                .filter(o -> o.path("kind").asText().equals("Job"))
                .map(o -> o.at("/metadata/name").asText()))
        .containsExactly(Chart.RELEASE + "-source-setup-" + definition.jobId().substring(0, 8));
    ObjectNode configMap =
        rendered.stream()
            .filter(o -> o.path("kind").asText().equals("ConfigMap"))
            .filter(o -> o.at("/metadata/name").asText().equals(Chart.RELEASE + "-pipeline"))
            .findFirst()
            .orElseThrow();
    Map<String, String> mounted = new LinkedHashMap<>();
    configMap
        .path("data")
        .properties()
        .forEach(e -> mounted.put(e.getKey(), e.getValue().asText()));
    assertThat(mounted).isEqualTo(files);
    assertThat(deployment.at("/podTemplate/spec/volumes").findValuesAsText("name"))
        .contains(Chart.RELEASE + "-pipeline");

    // One KafkaTopic per topic the definition needs, with its kind's settings.
    JsonNode kinds;
    try {
      kinds = Chart.YAML.readTree(CHART_DIR.resolve("files/kafka-topics.yaml").toFile());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Map<String, List<Object>> expectedTopics = new LinkedHashMap<>();
    for (Topic topic : definition.topics()) {
      JsonNode settings = kinds.path(topic.kind().key());
      expectedTopics.put(
          topic.name(),
          List.of(
              settings.path("partitions").asInt(),
              settings.path("replicas").asInt(),
              settings.path("config")));
    }
    Map<String, List<Object>> renderedTopics = new LinkedHashMap<>();
    for (ObjectNode topic : ofKind(rendered, "KafkaTopic")) {
      JsonNode spec = topic.path("spec");
      renderedTopics.put(
          spec.path("topicName").asText(),
          List.of(
              spec.path("partitions").asInt(), spec.path("replicas").asInt(), spec.path("config")));
    }
    assertThat(renderedTopics).isEqualTo(expectedTopics);

    // The analytics job reads exactly the captured tables' topics and the transaction metadata
    // (it applies whole source transactions) and writes exactly its results
    // and dead letters; the reconciler judges exactly the tables the job writes.
    JsonNode acls =
        ofKind(rendered, "KafkaUser").stream()
            .filter(u -> u.at("/metadata/name").asText().equals(Chart.RELEASE + "-analytics"))
            .findFirst()
            .orElseThrow()
            .at("/spec/authorization/acls");
    List<String> reads = new java.util.ArrayList<>();
    List<String> writes = new java.util.ArrayList<>();
    acls.forEach(
        acl -> {
          if (acl.at("/resource/type").asText().equals("topic")) {
            assertThat(acl.at("/resource/patternType").asText()).isEqualTo("literal");
            (acl.path("operations").toString().contains("Read") ? reads : writes)
                .add(acl.at("/resource/name").asText());
          }
        });
    assertThat(reads)
        .containsExactlyElementsOf(
            definition.topics().stream()
                .filter(
                    t ->
                        t.kind() == Topic.Kind.CHANGE
                            || t.kind() == Topic.Kind.TRANSACTION
                            || t.kind() == Topic.Kind.HEARTBEAT)
                .map(Topic::name)
                .filter(name -> !name.startsWith("__debezium-heartbeat."))
                .toList());
    assertThat(writes)
        .containsExactlyElementsOf(
            definition.topics().stream()
                .filter(t -> t.kind() == Topic.Kind.OUTPUT || t.kind() == Topic.Kind.DEAD_LETTER)
                .map(Topic::name)
                .toList());
    List<String> sinkTables = new java.util.ArrayList<>();
    only(rendered, "CdcPipeline").at("/spec/sink/tables").forEach(t -> sinkTables.add(t.asText()));
    assertThat(sinkTables)
        .containsExactlyElementsOf(
            definition.sinkTables().stream().map(TableName::qualified).toList());
  }

  @Test
  void anExistingConfigMapIsReadAtInstallAndRefusedWhereNoClusterCanBeRead() {
    String values = "pipeline:\n  existingConfigMap: my-pipeline\n";
    // Without a cluster there is no ConfigMap to read: helm template's lookup finds nothing and
    // the chart says so in one line; helm-java's lookup tries a cluster and fails on the call.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CHART.templateWith(values))
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .containsAnyOf(
                        "pipeline.existingConfigMap: ConfigMap my-pipeline not found in namespace"
                            + " cdc; it is read from the cluster at install",
                        "at <lookup \"v1\" \"ConfigMap\" .Release.Namespace"
                            + " .Values.pipeline.existingConfigMap>"));

    String both = values + "  files:\n    pipeline.yaml: x\n";
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CHART.templateWith(both))
        .hasMessageContaining("pipeline: expected either files or existingConfigMap, got both");
  }

  private static List<ObjectNode> ofKind(List<ObjectNode> rendered, String kind) {
    return rendered.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  private static ObjectNode only(List<ObjectNode> rendered, String kind) {
    List<ObjectNode> matching =
        rendered.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    assertThat(matching).as(kind).hasSize(1);
    return matching.getFirst();
  }
}
