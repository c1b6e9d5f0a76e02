package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.WorkloadGenerator;
import io.cdcplatform.ingest.WorkloadRunner;
import io.cdcplatform.ingest.WorkloadShape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline, source to analytics tables: after a workload of inserts, updates (status,
 * amount, product and category moves), deletes, late events and multi-row transactions, each
 * analytics table equals its oracle query from docs/analytics.md, row for row.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AnalyticsPipelineIT {

  @TempDir static Path work;
  static LocalPipeline pipeline;

  @BeforeAll
  static void start() throws Exception {
    pipeline = TestPipelines.startWithoutIngest(work);
  }

  @AfterAll
  static void stop() {
    if (pipeline != null) {
      pipeline.stopAll();
    }
  }

  @Test
  @Order(1)
  void everyAnalyticsTableEqualsItsOracleOnceQuiescent() throws Exception {
    Map<String, String> oracles = oracles();
    assertThat(oracles)
        .containsOnlyKeys(
            "analytics.status_totals",
            "analytics.category_revenue_minute",
            "analytics.customer_value");

    IngestReport report = runWorkload(6_000, 600);
    assertThat(report.lateOrders()).isPositive();

    assertConvergesToOracles(oracles, report, "after a clean run");
    assertThat(rowCount("analytics.category_revenue_minute")).isGreaterThan(1);
    assertThat(rowCount("analytics.customer_value")).isGreaterThan(10);
  }

  @Test
  @Order(2)
  void killingTheJobMidStreamResumesFromItsCheckpointAndStaysExact() throws Exception {
    SupervisedChild job = pipeline.flink().process();
    long pidBefore = job.pid();
    CompletableFuture<IngestReport> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return runWorkload(6_000, 600);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    TimeUnit.SECONDS.sleep(4);
    ProcessHandle.of(pidBefore).ifPresent(ProcessHandle::destroyForcibly); // kill -9
    IngestReport report = run.get(120, TimeUnit.SECONDS);

    pipeline.flink().awaitRunning(Duration.ofSeconds(120));
    assertThat(job.restarts()).isEqualTo(1);
    assertThat(job.pid()).isNotEqualTo(pidBefore);
    assertThat(Files.readString(work.resolve("flink.log")))
        .contains("restoring from retained checkpoint");
    assertConvergesToOracles(oracles(), report, "after kill -9 of the job");
  }

  private static void assertConvergesToOracles(
      Map<String, String> oracles, IngestReport report, String when) throws Exception {
    long start = System.nanoTime();
    Map<String, Long> differing = differingRows(oracles);
    long deadline = start + TimeUnit.SECONDS.toNanos(180);
    while (differing.values().stream().anyMatch(n -> n > 0) && System.nanoTime() < deadline) {
      TimeUnit.SECONDS.sleep(1);
      differing = differingRows(oracles);
    }
    System.out.printf(
        "analytics %s: %d changes, tables equal to their oracles %.1fs after the last commit: %s%n",
        when, report.changes(), (System.nanoTime() - start) / 1e9, differing);
    assertThat(differing).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
  }

  /** Rows in the table and not in the oracle, plus rows in the oracle and not in the table. */
  private static Map<String, Long> differingRows(Map<String, String> oracles) throws Exception {
    Map<String, Long> differing = new LinkedHashMap<>();
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      for (Map.Entry<String, String> oracle : oracles.entrySet()) {
        String table = "SELECT * FROM " + oracle.getKey();
        try (ResultSet rs =
            sql.executeQuery(
                "SELECT count(*) FROM (("
                    + table
                    + " EXCEPT ALL ("
                    + oracle.getValue()
                    + ")) UNION ALL (("
                    + oracle.getValue()
                    + ") EXCEPT ALL "
                    + table
                    + ")) AS differing")) {
          rs.next();
          differing.put(oracle.getKey(), rs.getLong(1));
        }
      }
    }
    return differing;
  }

  private static long rowCount(String table) throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The oracle queries of docs/analytics.md, by the table each heading names. */
  static Map<String, String> oracles() throws Exception {
    String doc =
        Files.readString(Path.of(System.getProperty("cdc.home")).resolve("docs/analytics.md"));
    Matcher matcher =
        Pattern.compile("### (analytics\\.\\w+)\\n.*?```sql\\n(.*?)```", Pattern.DOTALL)
            .matcher(doc);
    Map<String, String> oracles = new LinkedHashMap<>();
    while (matcher.find()) {
      oracles.put(matcher.group(1), matcher.group(2).trim());
    }
    return oracles;
  }

  private static IngestReport runWorkload(long changes, double rate) throws Exception {
    try (Connection db =
        DriverManager.getConnection(
            pipeline.postgres().jdbcUrl(),
            LocalCredentials.OWNER,
            LocalCredentials.OWNER_PASSWORD)) {
      WorkloadShape defaults = WorkloadShape.defaults();
      WorkloadShape shape =
          new WorkloadShape(
              defaults.mix(),
              1,
              8,
              defaults.maxSkew(),
              0.05,
              defaults.minLateDelay(),
              defaults.maxLateDelay(),
              defaults.minProducts(),
              defaults.minCustomers());
      return new WorkloadRunner(
              db,
              new WorkloadGenerator(shape, 4242, ShopModel.load(db), Clock.systemUTC()),
              new WorkloadRunner.Limits(rate, changes, null),
              Duration.ofSeconds(60),
              new PrintStream(new ByteArrayOutputStream()))
          .run(() -> false);
    }
  }
}
