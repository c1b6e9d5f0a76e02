package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.health.Reason;
import io.cdcplatform.health.Stage;
import io.cdcplatform.health.Verdict;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous verification on a real pipeline whose workload never pauses: every round compares the
 * analytics tables with their oracles at a proven cut and finds them equal, and a row written into
 * an analytics table behind the pipeline's back is drift in the verdict, named, until it is undone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContinuousVerificationIT {

  private static final int ROUNDS = 12;

  @TempDir static Path work;
  static LocalPipeline pipeline;

  @BeforeAll
  static void start() throws Exception {
    pipeline = TestPipelines.start(work, "--rate", "300", "--verify-interval", "1");
  }

  @AfterAll
  static void stop() {
    if (pipeline != null) {
      pipeline.stopAll();
    }
  }

  @Test
  @Order(1)
  void underAWorkloadThatNeverPausesEveryRoundFindsTheTablesEqual() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    Map<String, Long> outcomes = outcomes();
    while (outcomes.getOrDefault("equal", 0L) < ROUNDS && System.nanoTime() < deadline) {
      TimeUnit.SECONDS.sleep(1);
      outcomes = outcomes();
    }
    long distinctCuts =
        queryLong(
            "SELECT count(DISTINCT txid) FROM analytics.verification WHERE outcome = 'equal'");
    long ingested = queryLong("SELECT count(*) FROM shop.orders");
    List<String> figures = new ArrayList<>();
    figures.add("continuous verification under the shop workload at 300 row changes/s");
    figures.add("rounds by outcome: " + outcomes);
    figures.add("distinct source transactions the equal rounds were cut at: " + distinctCuts);
    figures.add("orders in the source at the end: " + ingested);
    figures.add("last round: " + pipeline.verification().last().orElseThrow());
    TestPipelines.report("continuous-verification.txt", figures);

    assertThat(outcomes.getOrDefault("differing", 0L)).as("false alarms").isZero();
    assertThat(outcomes.getOrDefault("equal", 0L)).isGreaterThanOrEqualTo(ROUNDS);
    // The writes went on: each round was cut at another point of the source.
    assertThat(distinctCuts).isGreaterThanOrEqualTo(ROUNDS);
    // Every round that came proved its cut: the job's cut is the oracles' snapshot by design.
    assertThat(outcomes.getOrDefault("inconclusive", 0L)).as("inconclusive rounds").isZero();
    Verdict ready = awaitVerdict(v -> v.ready().isTrue(), "Ready");
    assertThat(ready.condition(Stage.RESULTS).message())
        .contains("continuous verification round", "equal to their oracles");
    assertThat(ready.figures().tablesDiffering()).isZero();
  }

  @Test
  @Order(2)
  void aRowWrittenBehindThePipelinesBackIsDriftNamedInTheVerdictUntilItIsUndone() throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute(
          "INSERT INTO analytics.status_totals (status, order_count, amount)"
              + " VALUES ('TAMPERED', 1, 1.00)");
    }
    Verdict drift =
        awaitVerdict(
            v -> v.condition(Stage.RESULTS).reason() == Reason.RESULTS_DRIFT,
            "ResultsExact ResultsDrift");
    assertThat(drift.ready().isTrue()).isFalse();
    assertThat(drift.failingStage()).contains(Stage.RESULTS);
    assertThat(drift.condition(Stage.RESULTS).message())
        .contains(
            "found 1 of 3 tables different from their oracles",
            "analytics.status_totals: 1 rows differ",
            "TAMPERED");
    assertThat(drift.figures().tablesDiffering()).isEqualTo(1);
    // The other tables were compared in the same rounds and stayed equal.
    assertThat(
            queryLong(
                "SELECT count(*) FROM analytics.verification WHERE outcome = 'differing'"
                    + " AND detail NOT LIKE 'analytics.status_totals:%'"))
        .isZero();

    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute("DELETE FROM analytics.status_totals WHERE status = 'TAMPERED'");
    }
    Verdict healed = awaitVerdict(v -> v.ready().isTrue(), "Ready once the row is gone");
    assertThat(healed.figures().tablesDiffering()).isZero();
  }

  private static Verdict awaitVerdict(java.util.function.Predicate<Verdict> matches, String what)
      throws InterruptedException {
    return TestPipelines.awaitVerdict(
            pipeline.health(), Instant.now(), what, matches, Duration.ofSeconds(90))
        .verdict();
  }

  private static Map<String, Long> outcomes() throws Exception {
    Map<String, Long> outcomes = new TreeMap<>();
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rows =
            sql.executeQuery(
                "SELECT outcome, count(*) FROM analytics.verification GROUP BY outcome")) {
      while (rows.next()) {
        outcomes.put(rows.getString(1).toLowerCase(Locale.ROOT), rows.getLong(2));
      }
    } catch (java.sql.SQLException e) {
      if (!"42P01".equals(e.getSQLState())) {
        throw e;
      }
    }
    return outcomes;
  }

  private static long queryLong(String query) throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet row = sql.executeQuery(query)) {
      row.next();
      return row.getLong(1);
    }
  }
}
