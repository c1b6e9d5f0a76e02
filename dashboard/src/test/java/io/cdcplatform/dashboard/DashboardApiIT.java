package io.cdcplatform.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.cdcplatform.devservices.LocalPostgres;
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
              + " numeric(38,2), window_closed boolean NOT NULL, late_corrections bigint NOT NULL,"
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
              + " ('books', '2026-11-24 10:02+00', 1, 12.50, false, 0)");
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
  void revenueComesPerCategoryAndMinuteWithWindowStateAndLateCorrections() throws Exception {
    JsonNode rows = get("/api/revenue");

    assertThat(rows).hasSize(4);
    assertThat(rows.get(1).toString())
        .isEqualTo(
            "{\"category\":\"games\",\"minute_start\":\"2026-11-24T10:00:00Z\",\"order_count\":1,"
                + "\"revenue\":\"59.90\",\"window_closed\":true,\"late_corrections\":2}");
    assertThat(rows.get(3).path("window_closed").asBoolean()).isFalse();
  }

  @Test
  void minutesKeepsOnlyTheNewestMinutes() throws Exception {
    JsonNode rows = get("/api/revenue?minutes=2");

    assertThat(rows)
        .extracting(r -> r.path("minute_start").asText())
        .containsExactly("2026-11-24T10:01:00Z", "2026-11-24T10:02:00Z");
  }

  @Test
  void topCustomersAreTheHighestPaidFirst() throws Exception {
    JsonNode rows = get("/api/top-customers?limit=3");

    assertThat(rows).extracting(r -> r.path("customer_id").asLong()).containsExactly(12L, 11L, 10L);
    assertThat(rows.get(0).path("paid_amount").asText()).isEqualTo("126.00");
  }

  @Test
  void statusTotalsAndLatencyAreServed() throws Exception {
    assertThat(get("/api/status-totals"))
        .extracting(r -> r.path("status").asText())
        .containsExactly("CANCELLED", "NEW", "PAID");
    JsonNode latency = get("/api/latency");
    assertThat(latency).hasSize(2);
    assertThat(latency.get(1).path("p99_ms").asLong()).isEqualTo(1010);
  }

  @Test
  void theSnapshotCarriesTheVerdictAndTheFreshness() throws Exception {
    JsonNode snapshot = get("/api/snapshot");

    assertThat(snapshot.at("/health/failingStage").asText()).isEqualTo("TransportReady");
    assertThat(snapshot.path("freshnessMs").asLong()).isBetween(1_000L, 60_000L);
    assertThat(snapshot.path("topCustomers")).hasSize(DashboardServer.DEFAULT_TOP);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/api/revenue?minutes=abc | minutes: expected a whole number from 1 to 1440, got \"abc\"",
        "/api/latency?minutes=0 | minutes: expected a whole number from 1 to 1440, got \"0\"",
        "/api/snapshot?minutes=99999 | minutes: expected a whole number from 1 to 1440, got \"99999\"",
        "/api/top-customers?limit=1000 | limit: expected a whole number from 1 to 100, got \"1000\"",
      })
  void badParametersGetA400NamingTheParameter(String path, String message) throws Exception {
    HttpResponse<String> response = send(path);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).path("error").asText()).isEqualTo(message);
  }

  @Test
  void thePageAndItsChartingLibraryAreServedFromTheJar() throws Exception {
    assertThat(send("/").body())
        .contains("<canvas id=\"revenue\">", "/webjars/chart.js/4.4.1/dist/chart.umd.js");
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
      assertThat(nextSnapshot(events).at("/statusTotals/0/order_count").asLong()).isEqualTo(1);
      try (Connection superuser = postgres.superuserConnection();
          Statement sql = superuser.createStatement()) {
        sql.execute(
            "UPDATE analytics.status_totals SET order_count = 5 WHERE status = 'CANCELLED'");
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      long seen = 1;
      while (seen != 5 && System.nanoTime() < deadline) {
        seen = nextSnapshot(events).at("/statusTotals/0/order_count").asLong();
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
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
