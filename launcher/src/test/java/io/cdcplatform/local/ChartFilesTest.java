package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local run uses the chart's settings, overriding only endpoints and secrets: these tests fail
 * when the two drift apart.
 */
class ChartFilesTest {

  private static final Path CHART =
      Path.of(System.getProperty("cdc.home", "..")).resolve("helm/cdc-platform");
  private final ChartFiles chart = new ChartFiles(CHART);

  @Test
  void localConnectorConfigDiffersFromTheChartOnlyInEndpointsAndSecrets() {
    Map<String, String> charted = chart.connector();
    Map<String, String> local =
        LocalConnectorConfig.from(charted, "127.0.0.1", 24320, LocalCredentials.SECRETS);

    assertThat(local.keySet()).isEqualTo(charted.keySet());
    Set<String> differing = new HashSet<>();
    charted.forEach(
        (key, value) -> {
          if (!value.equals(local.get(key))) {
            differing.add(key);
          }
        });
    Set<String> secretKeys = new HashSet<>();
    charted.forEach(
        (key, value) -> {
          if (LocalConnectorConfig.isSecretReference(value)) {
            secretKeys.add(key);
          }
        });
    Set<String> allowed = new HashSet<>(LocalConnectorConfig.ENDPOINT_KEYS);
    allowed.addAll(secretKeys);

    assertThat(secretKeys).containsExactlyInAnyOrder("database.user", "database.password");
    assertThat(differing).isSubsetOf(allowed);
    assertThat(local).containsEntry("database.user", LocalCredentials.CAPTURE);
    assertThat(local.values()).noneMatch(LocalConnectorConfig::isSecretReference);
  }

  @Test
  void connectorIsConfiguredAsProductionNeedsIt() {
    assertThat(chart.connector(PipelineDefinitions.load(chart.pipeline())))
        .containsEntry("plugin.name", "pgoutput")
        .containsEntry("publication.name", LocalCredentials.PUBLICATION)
        .containsEntry("publication.autocreate.mode", "disabled")
        .containsEntry("slot.name", "cdc_debezium")
        .containsEntry("decimal.handling.mode", "string")
        .containsEntry("skipped.operations", "none")
        .containsEntry("provide.transaction.metadata", "true")
        .containsEntry(
            "heartbeat.action.query",
            "INSERT INTO shop.heartbeat (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE"
                + " SET beat_at = EXCLUDED.beat_at")
        .containsEntry("heartbeat.interval.ms", "1000");
  }

  @Test
  void everyTopicThePlatformWritesIsDeclaredWithThreeReplicasAndTwoInSync() {
    PipelineDefinition shop = PipelineDefinitions.load(chart.pipeline());
    assertThat(chart.topics(shop))
        .extracting(ChartFiles.Topic::name)
        .containsExactlyInAnyOrder(
            "cdc.shop.customers",
            "cdc.shop.products",
            "cdc.shop.orders",
            "cdc.transaction",
            "cdc.shop.heartbeat",
            "__debezium-heartbeat.cdc",
            "cdc.dead-letter",
            "analytics.status_totals",
            "analytics.category_revenue_minute",
            "analytics.customer_value",
            "analytics.freshness",
            "analytics.pipeline_latency_minute");
    assertThat(chart.topics(shop))
        .allSatisfy(
            topic -> {
              assertThat(topic.replicas()).isEqualTo(3);
              assertThat(topic.config()).containsEntry("min.insync.replicas", "2");
            });
    // Commit order lives in one partition.
    assertThat(chart.topics(shop))
        .filteredOn(topic -> topic.name().equals(shop.transactionTopic()))
        .singleElement()
        .satisfies(topic -> assertThat(topic.partitions()).isEqualTo(1));
    assertThat(chart.broker())
        .containsEntry("default.replication.factor", "3")
        .containsEntry("min.insync.replicas", "2")
        .containsEntry("offsets.topic.replication.factor", "3")
        .containsEntry("transaction.state.log.replication.factor", "3")
        .containsEntry("transaction.state.log.min.isr", "2");
    assertThat(chart.connectWorker())
        .containsEntry("config.storage.replication.factor", "3")
        .containsEntry("offset.storage.replication.factor", "3")
        .containsEntry("status.storage.replication.factor", "3");
  }

  @Test
  void theChartTemplatesRenderTheSameFiles() throws IOException {
    assertThat(Files.readString(CHART.resolve("templates/kafka-connector.yaml")))
        .contains(".Files.Get \"files/debezium-connector.yaml\"");
    assertThat(Files.readString(CHART.resolve("templates/kafka-topics.yaml")))
        .contains(".Files.Get \"files/kafka-topics.yaml\"");
  }

  @Test
  void theConnectorCapturesTheTablesOfThePipelineDefinition() {
    PipelineDefinition shop = PipelineDefinitions.load(chart.pipeline());

    assertThat(chart.connector(shop))
        .containsEntry(
            "table.include.list", "shop.customers,shop.products,shop.orders,shop.heartbeat")
        .containsEntry("topic.prefix", "cdc")
        .doesNotContainKey("message.key.columns");
    assertThat(chart.topics(shop))
        .extracting(ChartFiles.Topic::name)
        .containsAll(shop.changeTopics())
        .contains("analytics.status_totals", "analytics.category_revenue_minute");
  }

  @Test
  void theJobsProcessGetsTheDefinitionAsItsArgumentAndOnlyEndpointsAndSecretsBesides(
      @TempDir Path work) throws IOException {
    Path pipeline = chart.pipeline().toAbsolutePath();
    ChildSpec spec =
        new FlinkJob(Path.of(System.getProperty("cdc.home")), 24081, work)
            .spec(pipeline, "127.0.0.1:24092", "jdbc:postgresql://127.0.0.1:24320/postgres");

    assertThat(spec.arguments()).containsExactly("--pipeline", pipeline.toString());
    assertThat(spec.environment().keySet())
        .allSatisfy(name -> assertThat(name).startsWith("ANALYTICS_"))
        .noneSatisfy(
            name ->
                assertThat(PipelineDefinitions.load(pipeline).job())
                    .containsKey(
                        name.substring("ANALYTICS_".length()).toLowerCase().replace('_', '-')));
  }

  @Test
  void anUnresolvableSecretIsNamed() {
    assertThatThrownBy(
            () ->
                LocalConnectorConfig.from(
                    Map.of("database.password", "${secrets:cdc/other:password}"),
                    "h",
                    1,
                    LocalCredentials.SECRETS))
        .hasMessage(
            "database.password refers to secret other/password, which the local run does not"
                + " provide");
  }
}
