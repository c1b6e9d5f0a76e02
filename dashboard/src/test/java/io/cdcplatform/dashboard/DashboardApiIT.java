package io.cdcplatform.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The dashboard's API against a real PostgreSQL holding analytics rows, read through the read-only
 * analytics_reader role the analytics job grants.
 */
class DashboardApiIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String READER = "analytics_reader";
  private static final String READER_PASSWORD = "reader-secret";

  @TempDir static Path work;
  static LocalPostgres postgres;
  static HttpServer verdicts;
  static DashboardServer dashboard;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(0, work.resolve("data"), work.resolve("postgres.log"));
    try (Connection superuser = postgres.superuserConnection();
        Statement sql = superuser.createStatement()) {
      sql.execute("CREATE ROLE " + READER + " LOGIN PASSWORD '" + READER_PASSWORD + "'");
      sql.execute("CREATE SCHEMA shop");
      sql.execute("CREATE TABLE shop.customers (id bigint PRIMARY KEY, email text)");
      // The job's schema (the job creates it, or finds it made for its role).
      sql.execute("CREATE SCHEMA analytics");
      sql.execute(
          Files.readString(
              Path.of(
                  System.getProperty("cdc.home"),
                  "flink-app/src/main/resources/analytics-schema.sql")));
      // The shop's analytics tables as the job creates them from each result's schema.
      sql.execute(
          "CREATE TABLE analytics.status_totals (status text NOT NULL, order_count bigint NOT"
              + " NULL, amount numeric(38,2), PRIMARY KEY (status))");
      sql.execute(
          "CREATE TABLE analytics.category_revenue_minute (category text NOT NULL, minute_start"
              + " timestamp(3) without time zone NOT NULL, order_count bigint NOT NULL, revenue"
              + " numeric(38,2), window_closed boolean NOT NULL, late_updates bigint NOT NULL,"
              + " PRIMARY KEY (category, minute_start))");
      sql.execute(
          "CREATE TABLE analytics.customer_value (customer_id bigint NOT NULL, paid_orders bigint"
              + " NOT NULL, paid_amount numeric(38,2), PRIMARY KEY (customer_id))");
      sql.execute(
          "CREATE TABLE analytics.freshness (id integer NOT NULL, beat_at timestamp(6) with time"
              + " zone NOT NULL, PRIMARY KEY (id))");
      sql.execute("GRANT USAGE ON SCHEMA analytics TO " + READER);
      sql.execute("GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO " + READER);
      sql.execute(
          "INSERT INTO analytics.category_revenue_minute VALUES"
              + " ('books', '2026-11-24 10:00+00', 3, 30.00, true, 0),"
              + " ('games', '2026-11-24 10:00+00', 1, 59.90, true, 2),"
              + " ('books', '2026-11-24 10:01+00', 2, 20.00, true, 0),"
              + " ('books', '2026-11-24 10:02+00', 1, 12.50, false, 0),"
              // An order dated decades ahead: in its table, but it must not move the view.
              + " ('books', '2080-01-01 00:00+00', 1, 7.00, false, 0)");
      sql.execute(
          "INSERT INTO analytics.status_totals VALUES ('NEW', 4, 80.00), ('PAID', 7, 140.40),"
              + " ('CANCELLED', 1, 9.99)");
      sql.execute(
          "INSERT INTO analytics.customer_value"
              + " SELECT g, g, g * 10.5 FROM generate_series(1, 12) g");
      sql.execute(
          "INSERT INTO analytics.pipeline_latency_minute VALUES"
              + " ('2026-11-24 10:00+00', 1200, 800, 950, 990, 1200),"
              + " ('2026-11-24 10:01+00', 1260, 820, 960, 1010, 1500)");
      sql.execute("INSERT INTO analytics.freshness VALUES (1, now() - interval '2 seconds')");
    }
    verdicts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    verdicts.createContext(
        "/health",
        exchange -> {
          byte[] body =
              "{\"ready\":false,\"failingStage\":\"TransportReady\",\"conditions\":[{\"type\":\"TransportReady\",\"status\":\"False\",\"reason\":\"BrokersMissing\",\"message\":\"Kafka cluster local has 2 of 3 brokers\"}],\"figures\":{\"brokers\":2}}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    verdicts.start();
    dashboard =
        new DashboardServer(
            PipelineDefinitions.load(
                Path.of(System.getProperty("cdc.home"), "helm/cdc-platform/files/pipeline")),
            "127.0.0.1",
            0,
            postgres.jdbcUrl(),
            READER,
            READER_PASSWORD,
            "http://127.0.0.1:" + verdicts.getAddress().getPort() + "/health",
            Duration.ofMillis(300));
    base = "http://127.0.0.1:" + dashboard.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (dashboard != null) {
      dashboard.close();
    }
    if (verdicts != null) {
      verdicts.stop(0);
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void aWindowedPanelComesPerSeriesAndMinuteWithWindowStateAndLateUpdates() throws Exception {
    JsonNode rows = get("/api/panels/category_revenue_minute");

    assertThat(rows).hasSize(4);
    assertThat(rows.get(1).toString())
        .isEqualTo(
            "{\"x\":\"2026-11-24T10:00:00Z\",\"series\":\"games\",\"value\":\"59.90\","
                + "\"window_closed\":true,\"late_updates\":2}");
    assertThat(rows.get(3).path("window_closed").asBoolean()).isFalse();
  }

  @Test
  void minutesKeepsOnlyTheNewestMinutesUpToTheDatabaseClock() throws Exception {
    JsonNode rows = get("/api/panels/category_revenue_minute?minutes=2");

    assertThat(rows)
        .extracting(r -> r.path("x").asText())
        .containsExactly("2026-11-24T10:01:00Z", "2026-11-24T10:02:00Z");
  }

  @Test
  void barsAreTheLargestFirstAndAsManyAsDeclared() throws Exception {
    JsonNode rows = get("/api/panels/customer_value");

    assertThat(rows).hasSize(10);
    assertThat(rows).extracting(r -> r.path("x").asLong()).startsWith(12L, 11L, 10L);
    assertThat(rows.get(0).path("value").asText()).isEqualTo("126.00");
    assertThat(get("/api/panels/status_totals"))
        .extracting(r -> r.path("x").asText())
        .containsExactly("PAID", "NEW", "CANCELLED");
    JsonNode latency = get("/api/latency");
    assertThat(latency).hasSize(2);
    assertThat(latency.get(1).path("p99_ms").asLong()).isEqualTo(1010);
  }

  @Test
  void everyAnalyticOfTheDefinitionHasAPanelAsDeclared() throws Exception {
    assertThat(get("/api/panels"))
        .extracting(p -> p.path("name").asText() + ":" + p.path("chart").asText())
        .containsExactly(
            "status_totals:bars", "category_revenue_minute:timeseries", "customer_value:bars");
  }

  @Test
  void withoutADeclaredPanelAWindowIsATimeSeriesAndTheRestATable() throws Exception {
    Path definition = Files.createDirectories(work.resolve("undeclared"));
    Files.writeString(
        definition.resolve("pipeline.yaml"),
        """
        name: undeclared
        source: {topicPrefix: t, heartbeat: shop.heartbeat, tables: [{table: shop.customers}]}
        analytics:
          - name: category_revenue_minute
            query: q.sql
            key: [category, minute_start]
            window: {column: minute_start, size: 1m}
          - name: customer_value
            query: q.sql
            key: [customer_id]
        """);
    Files.writeString(definition.resolve("q.sql"), "SELECT 1 AS category");
    try (DashboardServer defaults =
        new DashboardServer(
            PipelineDefinitions.load(definition),
            "127.0.0.1",
            0,
            postgres.jdbcUrl(),
            READER,
            READER_PASSWORD,
            null,
            Duration.ofSeconds(30))) {
      String at = "http://127.0.0.1:" + defaults.port();
      JsonNode panels = JSON.readTree(send(at, "/api/panels").body());
      assertThat(panels.get(0).path("chart").asText()).isEqualTo("timeseries");
      assertThat(panels.get(0).path("value").asText()).isEqualTo("order_count");
      assertThat(panels.get(1).path("chart").asText()).isEqualTo("table");
      JsonNode rows = JSON.readTree(send(at, "/api/panels/category_revenue_minute").body());
      assertThat(rows.get(0).path("series").asText()).isEqualTo("books");
      JsonNode table = JSON.readTree(send(at, "/api/panels/customer_value").body());
      assertThat(table).hasSize(10);
      assertThat(table.get(0).path("paid_orders").asLong()).isEqualTo(12);
    }
  }

  @Test
  void theSnapshotCarriesEveryPanelTheVerdictAndTheFreshness() throws Exception {
    JsonNode snapshot = get("/api/snapshot");

    assertThat(snapshot.at("/health/failingStage").asText()).isEqualTo("TransportReady");
    assertThat(snapshot.path("freshnessMs").asLong()).isBetween(1_000L, 60_000L);
    assertThat(snapshot.path("pipeline").asText()).isEqualTo("shop");
    assertThat(snapshot.path("panels")).hasSize(3);
    assertThat(snapshot.at("/panels/2/rows")).hasSize(10);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/panels/category_revenue_minute?minutes=abc | minutes: expected a whole number from 1"
            + " to 1440, got \"abc\"",
        "/api/latency?minutes=0 | minutes: expected a whole number from 1 to 1440, got \"0\"",
        "/api/snapshot?minutes=99999 | minutes: expected a whole number from 1 to 1440, got \"99999\"",
        "/api/panels/nothing | name: expected one of the pipeline's analytics (status_totals,"
            + " category_revenue_minute, customer_value), got \"nothing\"",
      })
  void badParametersGetA400NamingTheParameter(String path, String message) throws Exception {
    HttpResponse<String> response = send(path);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).path("error").asText()).isEqualTo(message);
  }

  @Test
  void thePageAndItsChartingLibraryAreServedFromTheJar() throws Exception {
    assertThat(send("/").body())
        .contains("<div id=\"panels\"", "/webjars/chart.js/4.4.1/dist/chart.umd.js");
    HttpResponse<String> chartJs = send("/webjars/chart.js/4.4.1/dist/chart.umd.js");
    assertThat(chartJs.statusCode()).isEqualTo(200);
    assertThat(chartJs.body()).contains("Chart.js v4.4.1");
  }

  @Test
  void theEventStreamPushesEachChange() throws Exception {
    HttpResponse<java.io.InputStream> stream =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/events"))
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader events =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      assertThat(cancelled(nextSnapshot(events))).isEqualTo(1);
      try (Connection superuser = postgres.superuserConnection();
          Statement sql = superuser.createStatement()) {
        sql.execute(
            "UPDATE analytics.status_totals SET order_count = 5 WHERE status = 'CANCELLED'");
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      long seen = 1;
      while (seen != 5 && System.nanoTime() < deadline) {
        seen = cancelled(nextSnapshot(events));
      }
      assertThat(seen).isEqualTo(5);
    } finally {
      try (Connection superuser = postgres.superuserConnection();
          Statement sql = superuser.createStatement()) {
        sql.execute(
            "UPDATE analytics.status_totals SET order_count = 1 WHERE status = 'CANCELLED'");
      }
    }
    assertThat(send("/metrics").body())
        .contains("cdc_dashboard_snapshots_total", "cdc_dashboard_freshness_seconds");
  }

  @Test
  void theDashboardsLoginReadsTheAnalyticsTablesAndNothingElse() throws Exception {
    try (Connection reader =
            DriverManager.getConnection(postgres.jdbcUrl(), READER, READER_PASSWORD);
        Statement sql = reader.createStatement()) {
      assertThat(sql.executeQuery("SELECT count(*) FROM analytics.status_totals").next()).isTrue();
      assertThatThrownBy(() -> sql.execute("DELETE FROM analytics.status_totals"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("permission denied");
      assertThatThrownBy(() -> sql.executeQuery("SELECT * FROM shop.customers"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("permission denied");
    }
  }

  private static JsonNode nextSnapshot(BufferedReader events) throws Exception {
    String line;
    while ((line = events.readLine()) != null) {
      if (line.startsWith("data: ")) {
        return JSON.readTree(line.substring(6));
      }
    }
    throw new AssertionError("the event stream ended");
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response = send(path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> send(String path) throws Exception {
    return send(base, path);
  }

  private static HttpResponse<String> send(String at, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(at + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The CANCELLED bar of the status panel in a snapshot. */
  private static long cancelled(JsonNode snapshot) {
    for (JsonNode row : snapshot.at("/panels/0/rows")) {
      if (row.path("x").asText().equals("CANCELLED")) {
        return row.path("value").asLong();
      }
    }
    throw new AssertionError("no CANCELLED bar in " + snapshot.at("/panels/0"));
  }
}
