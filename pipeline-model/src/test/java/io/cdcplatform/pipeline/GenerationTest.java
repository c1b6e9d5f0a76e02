package io.cdcplatform.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GenerationTest {

  private static final Path SHOP = Path.of("../helm/cdc-platform/files/pipeline");

  @TempDir Path folder;
  private String original;

  @BeforeEach
  void copyTheShop() throws IOException {
    try (Stream<Path> files = Files.list(SHOP)) {
      for (Path file : files.toList()) {
        Files.copy(file, folder.resolve(file.getFileName()));
      }
    }
    original = PipelineDefinitions.load(folder).generation();
  }

  @Test
  void theShopsGenerationIsADigestAndItsJobIdAFlinkJobId() {
    PipelineDefinition shop = PipelineDefinitions.load(SHOP);

    assertThat(shop.generation()).matches("[0-9a-f]{64}").isEqualTo(original);
    assertThat(shop.jobId()).matches("[0-9a-f]{32}");
    assertThat(shop.generation()).startsWith(shop.jobId());
    assertThat(shop.redeployNonce()).isBetween(1L, 0xFFFF_FFFFL);
  }

  static Stream<Arguments> kept() {
    return Stream.of(
        Arguments.of(
            "a description",
            "description: Per order status, how many orders and their amount.",
            "description: Orders per status."),
        Arguments.of(
            "a panel",
            "panel: {chart: bars, x: status, value: order_count}",
            "panel: {chart: table, value: order_count}"),
        Arguments.of(
            "an oracle",
            "WHERE o.status <> 'CANCELLED'\n      GROUP BY",
            "WHERE NOT o.status = 'CANCELLED'\n      GROUP BY"),
        Arguments.of("a job setting", "checkpoint-interval: 150ms", "checkpoint-interval: 1s"),
        Arguments.of("a comment", "# The captured tables.", "# The tables we capture."));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kept")
  void whatDoesNotDecideTheResultsKeepsTheGeneration(String what, String from, String to)
      throws IOException {
    edit("pipeline.yaml", from, to);

    assertThat(PipelineDefinitions.load(folder).generation()).as(what).isEqualTo(original);
  }

  static Stream<Arguments> changed() {
    return Stream.of(
        Arguments.of("a result key", "key: [customer_id]", "key: [customer_id, paid_orders]"),
        Arguments.of("a window's lateness", "allowedLateness: 10s", "allowedLateness: 30s"),
        Arguments.of(
            "an output",
            "query: status_totals.sql",
            "query: status_totals.sql\n    outputs: {table: analytics.totals}"),
        Arguments.of(
            "a captured table",
            "- table: shop.customers",
            "- table: shop.customers\n    - table: shop.returns"),
        Arguments.of(
            "a table's columns",
            "columns: [id, name, category, price, updated_at]",
            "columns: [id, name, category, price]"),
        Arguments.of("an event time", "eventTime: created_at", "eventTime: updated_at"),
        Arguments.of("the topic prefix", "topicPrefix: cdc", "topicPrefix: capture"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changed")
  void whatDecidesTheResultsMakesANewGeneration(String what, String from, String to)
      throws IOException {
    edit("pipeline.yaml", from, to);

    PipelineDefinition changed = PipelineDefinitions.load(folder);
    assertThat(changed.generation()).as(what).isNotEqualTo(original);
    assertThat(changed.redeployNonce())
        .as(what + ": the nonce that redeploys the job")
        .isNotEqualTo(Generation.redeployNonce(original));
  }

  @Test
  void anAnalyticsQueryTextIsPartOfTheGeneration() throws IOException {
    Files.writeString(
        folder.resolve("status_totals.sql"),
        Files.readString(folder.resolve("status_totals.sql")) + "\n-- one more line\n");

    assertThat(PipelineDefinitions.load(folder).generation()).isNotEqualTo(original);
  }

  @Test
  void anAddedAnalyticMakesANewGeneration() throws IOException {
    Files.writeString(
        folder.resolve("orders.sql"), "SELECT count(*) AS n, 1 AS k FROM shop.orders");
    edit(
        "pipeline.yaml",
        "\njob:\n",
        "  - name: orders\n    query: orders.sql\n    key: [k]\n\njob:\n");

    assertThat(PipelineDefinitions.load(folder).generation()).isNotEqualTo(original);
  }

  private void edit(String file, String from, String to) throws IOException {
    Path path = folder.resolve(file);
    String text = Files.readString(path);
    assertThat(text).as(file + " holds the text to edit").contains(from);
    Files.writeString(path, text.replace(from, to));
  }
}
