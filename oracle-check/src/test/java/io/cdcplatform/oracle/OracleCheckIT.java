package io.cdcplatform.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.health.Oracles;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracle check against a real PostgreSQL: equal tables pass, a wrong, missing or duplicated row
 * fails naming the table and the row, extra table columns are ignored, an analytic marked unchecked
 * is left out, {@code --wait} waits for a table to catch up, and bad input gets one line and its
 * own exit code.
 */
class OracleCheckIT {

  private static final String DEFINITION =
      """
      name: oracles
      source:
        topicPrefix: t
        heartbeat: src.heartbeat
        tables:
          - table: src.items
      analytics:
        - name: kind_totals
          query: kind_totals.sql
          key: [kind]
        - name: heavy_items
          query: heavy_items.sql
          key: [id]
          oracle: SELECT id FROM src.items WHERE weight > 10
        - name: notes
          query: notes.sql
          key: [id]
          unchecked: nothing to compare it with
      """;

  @TempDir static Path work;
  static LocalPostgres postgres;
  static Path definition;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(0, work.resolve("data"), work.resolve("postgres.log"));
    definition = Files.createDirectories(work.resolve("definition"));
    Files.writeString(definition.resolve("pipeline.yaml"), DEFINITION);
    Files.writeString(
        definition.resolve("kind_totals.sql"),
        "SELECT kind, count(*) AS items, sum(weight) AS weight FROM src.items GROUP BY kind\n");
    Files.writeString(
        definition.resolve("heavy_items.sql"), "SELECT id FROM src.items WHERE weight > 10\n");
    Files.writeString(definition.resolve("notes.sql"), "SELECT 1 AS id\n");
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void equalTables() throws Exception {
    sql(
        "DROP SCHEMA IF EXISTS src CASCADE",
        "DROP SCHEMA IF EXISTS analytics CASCADE",
        "CREATE SCHEMA src",
        "CREATE SCHEMA analytics",
        "CREATE TABLE src.items (id int PRIMARY KEY, kind text, weight numeric(10,2))",
        "INSERT INTO src.items VALUES (1, 'a', 1.50), (2, 'a', 2.50), (3, 'b', 12.00)",
        // window_closed stands for a column no query over the source can know: not compared.
        "CREATE TABLE analytics.kind_totals (kind text PRIMARY KEY, items bigint,"
            + " weight numeric(38,2), window_closed boolean)",
        "INSERT INTO analytics.kind_totals VALUES ('a', 2, 4.00, true), ('b', 1, 12.00, false)",
        "CREATE TABLE analytics.heavy_items (id int)",
        "INSERT INTO analytics.heavy_items VALUES (3)");
  }

  @Test
  void equalTablesPassAndColumnsTheOracleDoesNotReturnAreIgnored() {
    Run run = check();

    assertThat(run.code).as(run.out).isZero();
    assertThat(run.out)
        .contains("analytics.kind_totals: equal to its oracle (2 rows)")
        .contains("analytics.heavy_items: equal to its oracle (1 row)")
        .contains("oracle-check: every table equals its oracle")
        .doesNotContain("analytics.notes");
  }

  @Test
  void aWrongRowFailsNamingTheTableAndBothSides() throws Exception {
    sql("UPDATE analytics.kind_totals SET weight = 4.01 WHERE kind = 'a'");

    Run run = check();

    assertThat(run.code).as(run.out).isEqualTo(OracleCheck.DIFFERS);
    assertThat(run.out)
        .contains("analytics.kind_totals: 2 rows differ (table 2 rows, oracle 2 rows)")
        .contains("table  (a,2,4.01)")
        .contains("oracle (a,2,4.00)")
        .contains("analytics.heavy_items: equal to its oracle")
        .contains("oracle-check: 1 table(s) differ");
  }

  @Test
  void missingAndDuplicatedRowsAreDifferences() throws Exception {
    sql(
        "DELETE FROM analytics.kind_totals WHERE kind = 'b'",
        "INSERT INTO analytics.heavy_items VALUES (3)");

    Run run = check();

    assertThat(run.code).isEqualTo(OracleCheck.DIFFERS);
    assertThat(run.out)
        .contains("analytics.kind_totals: 1 row differs (table 1 row, oracle 2 rows)")
        .contains("oracle (b,1,12.00)")
        .contains("analytics.heavy_items: 1 row differs (table 2 rows, oracle 1 row)")
        .contains("table  (3)");
  }

  @Test
  void waitGivesALaggingTableTimeToCatchUp() throws Exception {
    sql("DELETE FROM analytics.heavy_items");
    CompletableFuture<Void> catchUp =
        CompletableFuture.runAsync(
            () -> {
              try {
                TimeUnit.MILLISECONDS.sleep(1500);
                sql("INSERT INTO analytics.heavy_items VALUES (3)");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });

    Run run = check("--wait", "20s");
    catchUp.join();

    assertThat(run.code).as(run.out).isZero();
    assertThat(run.out).contains("analytics.heavy_items: equal to its oracle (1 row)");
  }

  @Test
  void theChartsDefinitionHoldsAnOracleForEachComputableTable() {
    assertThat(
            Oracles.of(
                io.cdcplatform.pipeline.PipelineDefinitions.load(
                    Path.of(System.getProperty("cdc.home"), PipelineDefinitions.CHART_PIPELINE))))
        .extracting(Oracles.Oracle::table)
        .containsExactly(
            "analytics.status_totals",
            "analytics.category_revenue_minute",
            "analytics.customer_value");
  }

  @Test
  void aMissingDefinitionIsOneLineAndExitCode2() {
    Run run = check("--pipeline", work.resolve("nowhere.yaml").toString());

    assertThat(run.code).isEqualTo(OracleCheck.BAD_INPUT);
    assertThat(run.err.strip())
        .isEqualTo(
            "oracle-check: "
                + work.resolve("nowhere.yaml")
                + ": no such file; expected a pipeline definition")
        .doesNotContain("\n");
  }

  @Test
  void aBadDefinitionIsOneLineAndExitCode2() throws Exception {
    Path broken = Files.createDirectories(work.resolve("broken"));
    Files.writeString(broken.resolve("pipeline.yaml"), DEFINITION.replace("key: [kind]", ""));
    Files.copy(definition.resolve("kind_totals.sql"), broken.resolve("kind_totals.sql"));

    Run run = check("--pipeline", broken.toString());

    assertThat(run.code).isEqualTo(OracleCheck.BAD_INPUT);
    assertThat(run.err.strip())
        .isEqualTo(
            "oracle-check: "
                + broken.resolve("pipeline.yaml")
                + ": analytic kind_totals.key: required, missing: the result columns that identify"
                + " a row");
  }

  @Test
  void aBadWaitIsOneLineAndExitCode2() {
    Run run = check("--wait", "soon");

    assertThat(run.code).isEqualTo(OracleCheck.BAD_INPUT);
    assertThat(run.err.strip())
        .startsWith("oracle-check: ")
        .contains("--wait", "expected a duration such as 250ms, 30s, 5m or 2h, got 'soon'")
        .doesNotContain("\n");
  }

  @Test
  void anUnreachableDatabaseIsOneLineNamingItAndExitCode3() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closed + "/postgres";

    Run run = check("--jdbc-url", url);

    assertThat(run.code).isEqualTo(OracleCheck.DATABASE);
    assertThat(run.err.strip()).startsWith("oracle-check: " + url + ": ").doesNotContain("\n");
  }

  private record Run(int code, String out, String err) {}

  private static Run check(String... extra) {
    List<String> args = new ArrayList<>(List.of(extra));
    if (!args.contains("--jdbc-url")) {
      args.addAll(List.of("--jdbc-url", postgres.jdbcUrl()));
    }
    if (!args.contains("--pipeline")) {
      args.addAll(List.of("--pipeline", definition.toString()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        OracleCheck.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            null,
            args.toArray(String[]::new));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void sql(String... statements) throws Exception {
    try (Connection db = postgres.superuserConnection();
        Statement sql = db.createStatement()) {
      for (String statement : statements) {
        sql.execute(statement);
      }
    }
  }
}
