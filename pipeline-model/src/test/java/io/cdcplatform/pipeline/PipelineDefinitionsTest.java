package io.cdcplatform.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PipelineDefinitionsTest {

  private static final Path SHOP = Path.of("../helm/cdc-platform/files/pipeline");

  @TempDir Path folder;

  @Test
  void readsTheChartsShopDefinition() {
    PipelineDefinition shop = PipelineDefinitions.load(SHOP);

    assertThat(shop.name()).isEqualTo("shop");
    assertThat(shop.changeTopics())
        .containsExactly(
            "cdc.shop.customers", "cdc.shop.products", "cdc.shop.orders", "cdc.shop.heartbeat");
    assertThat(shop.analytics())
        .extracting(Analytic::name)
        .containsExactly("status_totals", "category_revenue_minute", "customer_value");
    assertThat(shop.allAnalytics()).last().isEqualTo(shop.freshness());
    assertThat(shop.freshness().query()).isEqualTo("SELECT id, beat_at FROM shop.heartbeat");
    assertThat(shop.topics())
        .containsExactly(
            new Topic("cdc.shop.customers", Topic.Kind.CHANGE),
            new Topic("cdc.shop.products", Topic.Kind.CHANGE),
            new Topic("cdc.shop.orders", Topic.Kind.CHANGE),
            new Topic("cdc.transaction", Topic.Kind.TRANSACTION),
            new Topic("cdc.shop.heartbeat", Topic.Kind.HEARTBEAT),
            new Topic("__debezium-heartbeat.cdc", Topic.Kind.HEARTBEAT),
            new Topic("cdc.dead-letter", Topic.Kind.DEAD_LETTER),
            new Topic("analytics.status_totals", Topic.Kind.OUTPUT),
            new Topic("analytics.category_revenue_minute", Topic.Kind.OUTPUT),
            new Topic("analytics.customer_value", Topic.Kind.OUTPUT),
            new Topic("analytics.freshness", Topic.Kind.OUTPUT),
            new Topic("analytics.pipeline_latency_minute", Topic.Kind.OUTPUT));
    assertThat(shop.sinkTables())
        .extracting(TableName::qualified)
        .containsExactly(
            "analytics.status_totals",
            "analytics.category_revenue_minute",
            "analytics.customer_value",
            "analytics.freshness",
            "analytics.pipeline_latency_minute");
    Analytic revenue = shop.analytic("category_revenue_minute").orElseThrow();
    assertThat(revenue.key()).containsExactly("category", "minute_start");
    assertThat(revenue.window())
        .isEqualTo(new Window("minute_start", Duration.ofMinutes(1), Duration.ofSeconds(10)));
    assertThat(revenue.table().qualified()).isEqualTo("analytics.category_revenue_minute");
    assertThat(revenue.query()).startsWith("SELECT p.category").doesNotContain("--");
    assertThat(revenue.oracleQuery()).contains("AT TIME ZONE 'UTC'");
    Analytic totals = shop.analytic("status_totals").orElseThrow();
    assertThat(totals.oracleQuery()).isEqualTo(totals.query());
    assertThat(shop.freshness().checked()).isFalse();
    assertThat(shop.job()).containsEntry("checkpoint-interval", "150ms");
  }

  @Test
  void aTableWithoutPrimaryKeyDeclaresItsKey() throws IOException {
    Path file =
        write(
            base()
                .replace(
                    "    - table: shop.orders\n", "    - table: shop.orders\n      key: [a, b]\n"));

    SourceTable orders = PipelineDefinitions.load(file).source().tables().get(0);

    assertThat(orders.key()).containsExactly("a", "b");
    assertThat(orders.declaredKey()).isTrue();
    assertThat(orders.topic("cdc")).isEqualTo("cdc.shop.orders");
  }

  @Test
  void declaredColumnsAreAllThatTravelAndUndeclaredTablesKeepAll() {
    PipelineDefinition shop = PipelineDefinitions.load(SHOP);

    assertThat(shop.source().tables().get(1).columns())
        .containsExactly("id", "name", "category", "price", "updated_at");
    assertThat(shop.connectorSettings())
        .containsEntry(
            "column.include.list",
            "shop\\.customers\\..+,shop\\.products\\.(id|name|category|price|updated_at),"
                + "shop\\.orders\\..+,shop\\.heartbeat\\..+");
  }

  /** Each bad definition is one line naming the file, the place and what was expected. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unknown top-level field | name: shop | name: shop\\nextra: 1"
            + " | pipeline.yaml: extra: unknown field; expected one of analytics, description, job,"
            + " name, source",
        "misspelt analytic field | key: [status] | keys: [status]"
            + " | pipeline.yaml: analytic totals.keys: unknown field",
        "missing key | key: [status] | description: no key"
            + " | pipeline.yaml: analytic totals.key: required, missing",
        "empty key | key: [status] | key: []"
            + " | pipeline.yaml: analytic totals.key: expected a list with at least one entry",
        "bad table name | table: shop.orders | table: orders"
            + " | pipeline.yaml: source.tables[0].table: expected schema.table",
        "table twice | heartbeat: shop.heartbeat | heartbeat: shop.orders"
            + " | pipeline.yaml: source.tables[0]: table shop.orders is the heartbeat table",
        "missing query file | query: totals.sql | query: nothing.sql"
            + " | pipeline.yaml: analytic totals.query: no such file nothing.sql",
        "query outside the folder | query: totals.sql | query: ../totals.sql"
            + " | pipeline.yaml: analytic totals.query: '../totals.sql' is outside",
        "window on a non-key column | key: [status] | key: [status]\\n    window: {column: day, size: 1m}"
            + " | pipeline.yaml: analytic totals.window.column: 'day' is not a key column",
        "window size zero | key: [status] | key: [status]\\n    window: {column: status, size: 0s}"
            + " | pipeline.yaml: analytic totals.window.size: expected a positive duration",
        "oracle and unchecked | key: [status] | key: [status]\\n    oracle: SELECT 1\\n    unchecked: why"
            + " | pipeline.yaml: analytic totals: has both an oracle and 'unchecked'",
        "output topic is a change topic | key: [status] | key: [status]\\n    outputs: {topic: cdc.shop.orders}"
            + " | pipeline.yaml: analytic totals: output topic cdc.shop.orders is already used by the"
            + " change topic",
        "an output of the platform | key: [status] | key: [status]\\n    outputs: {table: analytics.freshness}"
            + " | pipeline.yaml: analytic totals: output table analytics.freshness is already used by"
            + " the platform",
        "key outside the columns | table: shop.orders | table: shop.orders\\n      key: [id]\\n      columns: [status]"
            + " | pipeline.yaml: source.tables[0].key: key column id is not among the columns",
        "event time outside the columns | table: shop.orders | table: shop.orders\\n      eventTime: created_at\\n      columns: [id]"
            + " | pipeline.yaml: source.tables[0].eventTime: event-time column created_at is not"
            + " among the columns",
        "a column twice | table: shop.orders | table: shop.orders\\n      columns: [id, id]"
            + " | pipeline.yaml: source.tables[0].columns[1]: column id is listed twice",
        "bad job value | parallelism: 1 | parallelism: [1]"
            + " | pipeline.yaml: job.parallelism: expected a single value",
      })
  void refusesABadDefinitionInOneLine(String what, String from, String to, String message)
      throws IOException {
    Path file =
        write(base().replace(from.replace("\\n", "\n"), to == null ? "" : to.replace("\\n", "\n")));

    assertThatThrownBy(() -> PipelineDefinitions.load(file))
        .isInstanceOf(DefinitionException.class)
        .hasMessageStartingWith(file.getParent() + "/" + message.strip())
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void anOutputNameUsedTwiceIsNamed() throws IOException {
    Path file =
        write(
            base()
                .replace(
                    "job:",
                    "  - name: again\n    query: totals.sql\n    key: [status]\n"
                        + "    outputs: {table: analytics.totals, topic: analytics.again}\njob:"));

    assertThatThrownBy(() -> PipelineDefinitions.load(file))
        .hasMessage(
            file
                + ": analytic again: output table analytics.totals is already used by analytic"
                + " totals; each output needs its own");
  }

  @Test
  void twoStatementsInAQueryFileAreRefused() throws IOException {
    Path file = write(base());
    Files.writeString(
        folder.resolve("totals.sql"), "SELECT 'a;b' AS status FROM shop.orders; DROP TABLE x");

    assertThatThrownBy(() -> PipelineDefinitions.load(file))
        .hasMessageEndingWith("totals.sql holds more than one statement; expected one SELECT");
  }

  @Test
  void aSemicolonInALiteralOrATrailingOneIsFine() throws IOException {
    Path file = write(base());
    Files.writeString(
        folder.resolve("totals.sql"), "-- a comment; with a semicolon\nSELECT 'a;b' AS s;\n");

    assertThat(PipelineDefinitions.load(file).analytics().get(0).query())
        .isEqualTo("SELECT 'a;b' AS s");
  }

  @Test
  void aMissingFileAndBadYamlAreOneLine() throws IOException {
    assertThatThrownBy(() -> PipelineDefinitions.load(folder.resolve("none.yaml")))
        .hasMessage(folder.resolve("none.yaml") + ": no such file; expected a pipeline definition");
    Path file = folder.resolve("pipeline.yaml");
    Files.writeString(file, "name: [unclosed\n");
    assertThatThrownBy(() -> PipelineDefinitions.load(folder))
        .hasMessageStartingWith(file + ": not readable YAML at line ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private static String base() {
    return """
        name: shop
        source:
          topicPrefix: cdc
          heartbeat: shop.heartbeat
          tables:
            - table: shop.orders
        analytics:
          - name: totals
            query: totals.sql
            key: [status]
        job:
          parallelism: 1
        """;
  }

  private Path write(String definition) throws IOException {
    Files.writeString(folder.resolve("totals.sql"), "SELECT status FROM shop.orders\n");
    Path file = folder.resolve("pipeline.yaml");
    Files.writeString(file, definition);
    return file;
  }
}
