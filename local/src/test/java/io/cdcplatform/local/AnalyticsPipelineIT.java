package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcplatform.health.Oracles;
import io.cdcplatform.health.Reason;
import io.cdcplatform.health.Stage;
import io.cdcplatform.health.Verdict;
import io.cdcplatform.health.VerdictDocument;
import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.WorkloadGenerator;
import io.cdcplatform.ingest.WorkloadRunner;
import io.cdcplatform.ingest.WorkloadShape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * analytics table equals its oracle query from the pipeline definition, row for row.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AnalyticsPipelineIT {

  private static final ObjectMapper JSON = new ObjectMapper();

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
    List<Oracles.Oracle> oracles = oracles();
    assertThat(oracles)
        .extracting(Oracles.Oracle::table)
        .containsExactly(
            "analytics.status_totals",
            "analytics.category_revenue_minute",
            "analytics.customer_value");

    IngestReport report = runWorkload(6_000, 600);
    assertThat(report.lateOrders()).isPositive();

    assertConvergesToOracles(oracles, report, "after a clean run");
    assertThat(rowCount("analytics.category_revenue_minute")).isGreaterThan(1);
    assertThat(rowCount("analytics.customer_value")).isGreaterThan(10);
    for (Oracles.Oracle oracle : oracles) {
      assertTopicCarriesTheSourcePosition(oracle.table());
    }
  }

  /**
   * Every record of a result topic carries the source position its Kafka transaction brought the
   * topics to, once a streamed transaction was applied: in each partition the positions never go
   * back, and the newest is one the analytics tables have reached too.
   */
  private static void assertTopicCarriesTheSourcePosition(String topic) throws Exception {
    java.util.Map<Integer, Long> newest = new HashMap<>();
    long stamped = 0;
    for (ConsumerRecord<String, String> record : committedRecords(topic)) {
      var txid = record.headers().lastHeader(io.cdcplatform.flink.TopicRecord.TXID_HEADER);
      var lsn = record.headers().lastHeader(io.cdcplatform.flink.TopicRecord.COMMIT_LSN_HEADER);
      Long before = newest.get(record.partition());
      if (txid == null || lsn == null) {
        assertThat(before)
            .as(topic + "@" + record.offset() + ": no position after records that had one")
            .isNull();
        continue;
      }
      long position = lsnValue(new String(lsn.value(), java.nio.charset.StandardCharsets.US_ASCII));
      assertThat(
              Long.parseLong(new String(txid.value(), java.nio.charset.StandardCharsets.US_ASCII)))
          .isPositive();
      if (before != null) {
        assertThat(position)
            .as(topic + "@" + record.offset() + ": position")
            .isGreaterThanOrEqualTo(before);
      }
      newest.put(record.partition(), position);
      stamped++;
    }
    assertThat(stamped).as("records of " + topic + " with a source position").isPositive();
    long tables;
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT commit_lsn::text FROM analytics.source_position")) {
      assertThat(rs.next()).isTrue();
      tables = lsnValue(rs.getString(1));
    }
    assertThat(java.util.Collections.max(newest.values()))
        .as("the newest position of " + topic + " against the tables'")
        .isLessThanOrEqualTo(tables);
  }

  /** An LSN as PostgreSQL writes it ({@code 16/B374D848}) as a number. */
  private static long lsnValue(String text) {
    String[] parts = text.split("/");
    return (Long.parseLong(parts[0], 16) << 32) | Long.parseLong(parts[1], 16);
  }

  @Test
  @Order(2)
  void minutesCloseByEventTimeAndLateChangesAreCountedCorrections() throws Exception {
    // Late orders (event time minutes to hours back) reach minutes whose window had closed.
    assertThat(
            queryLong(
                "SELECT coalesce(sum(late_updates), 0) FROM analytics.category_revenue_minute"))
        .isPositive();
    assertThat(
            queryLong(
                "SELECT count(*) FROM analytics.category_revenue_minute"
                    + " WHERE late_updates > 0 AND NOT window_closed"))
        .as("a corrected row whose window is not marked closed")
        .isZero();
    assertThat(flinkMetric("lateUpdates")).isPositive();
    // With the source quiet the heartbeat alone moves event time on: each minute closes once the
    // watermark (newest beat - 5 s) passes its end plus 10 s of allowed lateness.
    String stillOpen =
        "SELECT count(*) FROM analytics.category_revenue_minute"
            + " WHERE NOT window_closed"
            + " AND minute_start < (now() AT TIME ZONE 'UTC') - interval '90 seconds'";
    long open = awaitLong(stillOpen, count -> count == 0);
    assertThat(open).as("minutes older than 90 s still open").isZero();
    assertThat(
            queryLong("SELECT count(*) FROM analytics.category_revenue_minute WHERE window_closed"))
        .isPositive();
    lateUpdatesCountTheResultsUpdatesAfterTheClose();
  }

  /**
   * late_updates counts updates of the result: a source update of a row in a closed window is a
   * retraction and an addition (two, even when it changes nothing), a source insert one.
   */
  private static void lateUpdatesCountTheResultsUpdatesAfterTheClose() throws Exception {
    String group =
        "FROM shop.orders o JOIN shop.products p ON p.id = o.product_id"
            + " JOIN analytics.category_revenue_minute r ON r.category = p.category"
            + " AND r.minute_start = date_trunc('minute', o.created_at AT TIME ZONE 'UTC')"
            + " WHERE r.window_closed AND o.status <> 'CANCELLED'";
    long order = queryLong("SELECT min(o.id) " + group);
    String row =
        "SELECT r.late_updates " + group.replace("WHERE", "WHERE o.id = " + order + " AND");
    long before = queryLong(row);
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute("UPDATE shop.orders SET amount = amount WHERE id = " + order);
    }
    assertThat(awaitLong(row, count -> count >= before + 2))
        .as("after a no-op update")
        .isEqualTo(before + 2);
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute(
          "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
              + " created_at) SELECT (SELECT max(id) + 1 FROM shop.orders), customer_id,"
              + " product_id, 1, 1.00, 'PAID', created_at FROM shop.orders WHERE id = "
              + order);
    }
    assertThat(awaitLong(row, count -> count >= before + 3))
        .as("after a late insert")
        .isEqualTo(before + 3);
    TimeUnit.SECONDS.sleep(2);
    assertThat(queryLong(row)).as("nothing else counted").isEqualTo(before + 3);
  }

  /** A query's value once {@code done} accepts it, or its value after 30 s. */
  private static long awaitLong(String query, java.util.function.LongPredicate done)
      throws Exception {
    long value = queryLong(query);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.test(value) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(300);
      value = queryLong(query);
    }
    return value;
  }

  @Test
  @Order(4)
  void freshnessFollowsTheHeartbeatThroughTheWholePipeline() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    double lag = Double.MAX_VALUE;
    while (lag > 5 && System.nanoTime() < deadline) {
      try (Connection db = pipeline.postgres().superuserConnection();
          Statement sql = db.createStatement();
          ResultSet rs =
              sql.executeQuery(
                  "SELECT extract(epoch FROM now() - beat_at) FROM analytics.freshness")) {
        lag = rs.next() ? rs.getDouble(1) : Double.MAX_VALUE;
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    // Heartbeats every second, checkpoints every second: a healthy pipeline stays well within 5 s.
    assertThat(lag).isLessThan(5);
    assertTopicEqualsTable("analytics.freshness");
  }

  @Test
  @Order(3)
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
    // The state it restored was written by the changelog state backend (AnalyticsJob.changelog).
    try (var logged = Files.list(work.resolve("flink-checkpoints").resolve("changelog"))) {
      assertThat(logged.count()).as("files of the state changelog").isPositive();
    }
    assertConvergesToOracles(oracles(), report, "after kill -9 of the job");
  }

  @Test
  @Order(5)
  void latencyPerMinuteCoversEveryCommittedChange() throws Exception {
    // Every committed change is applied once at least (more after the job's crash: the changes
    // since its last checkpoint are applied again, and counted again).
    assertThat(queryLong("SELECT sum(change_count) FROM analytics.pipeline_latency_minute"))
        .isGreaterThanOrEqualTo(committedChanges);
    assertThat(
            queryLong(
                "SELECT count(*) FROM analytics.pipeline_latency_minute"
                    + " WHERE NOT (0 <= p50_ms AND p50_ms <= p95_ms AND p95_ms <= p99_ms"
                    + " AND p99_ms <= max_ms)"))
        .as("minutes whose percentiles are out of order")
        .isZero();
    assertThat(flinkMetric("latencyP99Ms")).isPositive();
    assertTopicEqualsTable("analytics.pipeline_latency_minute");
  }

  @Test
  @Order(6)
  void undecodableRecordsGoToTheDeadLetterTopicAndTheJobCarriesOn() throws Exception {
    long restartsBefore = pipeline.flink().restarts();
    long childRestartsBefore = pipeline.flink().process().restarts();
    Map<String, String> poison = new LinkedHashMap<>();
    poison.put("not json", "not JSON");
    poison.put(
        "{\"before\":null,\"after\":{\"id\":-1,\"customer_id\":1,\"product_id\":1,"
            + "\"quantity\":1,\"amount\":\"twelve\",\"status\":\"NEW\","
            + "\"created_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":\"2026-01-01T00:00:00Z\"},"
            + "\"source\":{\"lsn\":1,\"ts_ms\":1},\"op\":\"c\"}",
        "after.amount (numeric(12,2)): expected a decimal, got 'twelve', which DECIMAL(12, 2)"
            + " cannot hold");
    poison.put(
        "{\"before\":null,\"after\":null,\"source\":{\"ts_ms\":1},\"op\":\"t\"}",
        "source.lsn: expected a whole number, got nothing");
    Map<Long, String> offsets = new LinkedHashMap<>();
    Properties properties = new Properties();
    properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.kafka().bootstrapServers());
    properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties)) {
      for (Map.Entry<String, String> record : poison.entrySet()) {
        RecordMetadata written =
            producer
                .send(new ProducerRecord<>("cdc.shop.orders", 0, "{\"id\":-1}", record.getKey()))
                .get();
        offsets.put(written.offset(), record.getValue());
      }
    }

    Map<Long, JsonNode> letters = new HashMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (letters.size() < offsets.size() && System.nanoTime() < deadline) {
      for (JsonNode letter : readAll("cdc.dead-letter")) {
        if (letter.path("topic").asText().equals("cdc.shop.orders")
            && letter.path("partition").asInt() == 0
            && offsets.containsKey(letter.path("offset").asLong())) {
          letters.put(letter.path("offset").asLong(), letter);
        }
      }
      TimeUnit.SECONDS.sleep(1);
    }
    assertThat(letters).containsOnlyKeys(offsets.keySet());
    offsets.forEach(
        (offset, reason) -> {
          JsonNode letter = letters.get(offset);
          assertThat(letter.path("reason").asText()).as("reason").contains(reason);
          assertThat(letter.path("value").asText())
              .isEqualTo(
                  poison.entrySet().stream()
                      .filter(e -> e.getValue().equals(reason))
                      .findFirst()
                      .orElseThrow()
                      .getKey());
        });
    assertThat(flinkMetric("deadLetters", offsets.size())).isEqualTo(offsets.size());
    assertThat(pipeline.flink().restarts()).as("job restarts").isEqualTo(restartsBefore);
    assertThat(pipeline.flink().process().restarts()).isEqualTo(childRestartsBefore);

    // The verdict names them: the table whose analytics miss a change, where, why, and what to do.
    Verdict named =
        awaitVerdict(
            v -> v.condition(Stage.RESULTS).reason() == Reason.CHANGES_NOT_APPLIED,
            "ResultsExact ChangesNotApplied");
    assertThat(named.ready().isTrue()).isFalse();
    assertThat(named.condition(Stage.RESULTS).message())
        .contains("shop.orders has a change that was not applied, cdc.shop.orders/0@")
        .contains("rebuild the analytics", "DELETE FROM analytics.unapplied", "2 more");
    assertThat(
            queryLong(
                "SELECT count(*) FROM analytics.unapplied WHERE kind = 'change-not-applied'"
                    + " AND subject = 'shop.orders'"))
        .isEqualTo(offsets.size());

    IngestReport report = runWorkload(1_000, 500);
    assertConvergesToOracles(oracles(), report, "after dead letters");
    // These records were never changes of the source: acknowledging them is the whole recovery.
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute("DELETE FROM analytics.unapplied WHERE kind = 'change-not-applied'");
    }
    awaitVerdict(v -> v.ready().isTrue(), "Ready once acknowledged");
  }

  @Test
  @Order(8)
  void aResultTheTableCannotStoreLeavesItsGroupOutNamesItAndHealsWhenItCanBeStored()
      throws Exception {
    long restartsBefore = pipeline.flink().restarts();
    long product = queryLong("SELECT coalesce(max(id), 0) + 1 FROM shop.products");
    long order = queryLong("SELECT coalesce(max(id), 0) + 1 FROM shop.orders");
    String category = "garden";
    // PostgreSQL stores this category, but the analytics table cannot index a key this long.
    String huge = "(SELECT string_agg(md5(i::text), '') FROM generate_series(1, 250) i)";
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute(
          "INSERT INTO shop.customers (id, name, email, country, created_at) SELECT"
              + " coalesce(max(id), 0) + 1, 'Gardener', 'g@example.com', 'NL', now()"
              + " FROM shop.customers");
      sql.execute(
          "INSERT INTO shop.products (id, name, category, price) VALUES (%d, 'spade', '%s', 12.00)"
              .formatted(product, category));
      sql.execute(
          ("INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
                  + " created_at) SELECT %d, max(id), %d, 1, 12.00, 'PAID', now()"
                  + " FROM shop.customers")
              .formatted(order, product));
      sql.execute("UPDATE shop.products SET category = " + huge + " WHERE id = " + product);
    }

    Verdict named =
        awaitVerdict(
            v -> v.condition(Stage.RESULTS).reason() == Reason.RESULTS_NOT_STORED,
            "ResultsExact ResultsNotStored");
    assertThat(named.condition(Stage.RESULTS).message())
        .contains(
            "analytics.category_revenue_minute could not store the result of group (category=",
            "SQLSTATE 54000",
            "The group is left out of analytics.category_revenue_minute");
    // Every other group, and every other analytic, goes on.
    IngestReport report = runWorkload(600, 300);
    List<Oracles.Oracle> others = new ArrayList<>();
    for (Oracles.Oracle oracle : oracles()) {
      others.add(
          oracle.table().equals("analytics.category_revenue_minute")
              ? new Oracles.Oracle(
                  oracle.table(),
                  "SELECT * FROM (" + oracle.sql() + ") o WHERE length(category) < 1000")
              : oracle);
    }
    List<Oracles.Comparison> comparisons =
        TestPipelines.converge(pipeline, others, Duration.ofSeconds(120));
    System.out.printf("analytics with a group left out: %s%n", comparisons);
    assertThat(comparisons)
        .allSatisfy(
            c -> assertThat(c.differing()).as(c.table() + " differs: " + c.samples()).isZero());
    assertThat(pipeline.flink().restarts()).as("job restarts").isEqualTo(restartsBefore);

    // Once the group's result can be stored (here: it is gone), the entry clears itself.
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute("UPDATE shop.products SET category = '" + category + "' WHERE id = " + product);
    }
    awaitVerdict(v -> v.ready().isTrue(), "Ready once the group is stored");
    assertThat(queryLong("SELECT count(*) FROM analytics.unapplied")).isZero();
    assertConvergesToOracles(oracles(), report, "after a group could be stored again");
  }

  @Test
  @Order(9)
  void absurdEventTimesLandInTheirWindowsWithoutDraggingTheWatermark() throws Exception {
    // The workload first: it would cancel or delete the orders below at random.
    IngestReport report = runWorkload(600, 300);
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      for (String createdAt : List.of("2080-01-01 00:00:30+00", "1990-01-01 00:00:30+00")) {
        sql.execute(
            "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
                + " created_at) SELECT (SELECT max(id) + 1 FROM shop.orders), customer_id,"
                + " product_id, 1, 7.00, 'PAID', '"
                + createdAt
                + "' FROM shop.orders ORDER BY id LIMIT 1");
      }
    }
    assertConvergesToOracles(oracles(), report, "with event times decades off");

    String future =
        "SELECT count(*) FROM analytics.category_revenue_minute"
            + " WHERE minute_start = '2080-01-01 00:00:00'";
    assertThat(queryLong(future)).isEqualTo(1);
    assertThat(queryLong(future + " AND NOT window_closed"))
        .as("the window of 2080 is still open: event time is not there yet")
        .isEqualTo(1);
    assertThat(
            queryLong(
                "SELECT count(*) FROM analytics.category_revenue_minute"
                    + " WHERE minute_start = '1990-01-01 00:00:00' AND window_closed"))
        .as("the window of 1990 closed on arrival")
        .isEqualTo(1);
    // Recent minutes still close by the watermark, not by the row of 2080.
    String stillOpen =
        "SELECT count(*) FROM analytics.category_revenue_minute WHERE NOT window_closed"
            + " AND minute_start < (now() AT TIME ZONE 'UTC') - interval '90 seconds'"
            + " AND minute_start > '2000-01-01'";
    long open = awaitLong(stillOpen, count -> count == 0);
    assertThat(open).as("recent minutes older than 90 s still open").isZero();
    assertThat(flinkMetric("eventTimesAhead")).isGreaterThanOrEqualTo(1);
    assertThat(flinkMetric("watermarkLagMs", -60_000))
        .as("the watermark is not ahead of the clock by more than max-event-time-ahead")
        .isGreaterThan(-60_000);
  }

  @Test
  @Order(10)
  void aValueTheAnalyticCannotHoldIsNamedAndFixingTheRowHealsTheTables() throws Exception {
    long order = queryLong("SELECT min(id) FROM shop.orders WHERE status <> 'CANCELLED'");
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      // PostgreSQL accepts NaN in numeric(12,2) (and NaN >= 0); DECIMAL(12, 2) cannot hold it.
      sql.execute("UPDATE shop.orders SET amount = 'NaN' WHERE id = " + order);
    }
    Verdict named =
        awaitVerdict(
            v -> v.condition(Stage.RESULTS).reason() == Reason.CHANGES_NOT_APPLIED,
            "ResultsExact ChangesNotApplied");
    assertThat(named.condition(Stage.RESULTS).message())
        .contains("shop.orders has a change that was not applied", "'NAN'", "DECIMAL(12, 2)");

    // Fixing the row applies: the old row's image is not needed, the router retracts what it kept.
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute("UPDATE shop.orders SET amount = 5.00 WHERE id = " + order);
    }
    List<Oracles.Comparison> comparisons =
        TestPipelines.converge(pipeline, oracles(), Duration.ofSeconds(60));
    assertThat(comparisons)
        .allSatisfy(
            c -> assertThat(c.differing()).as(c.table() + " differs: " + c.samples()).isZero());
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute("DELETE FROM analytics.unapplied WHERE subject = 'shop.orders'");
    }
    awaitVerdict(v -> v.ready().isTrue(), "Ready once acknowledged");
  }

  /** The first verdict of the local health monitor that matches, within 60 s. */
  private static Verdict awaitVerdict(Predicate<Verdict> matches, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Verdict latest = pipeline.health().latest().verdict();
    while (!matches.test(latest) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(500);
      latest = pipeline.health().latest().verdict();
    }
    assertThat(matches.test(latest))
        .as("no verdict " + what + " within 60 s; the last: " + VerdictDocument.line(latest))
        .isTrue();
    return latest;
  }

  @Test
  @Order(7)
  void truncatesAreFollowedExactly() throws Exception {
    long truncatedBefore = (long) flinkMetric("truncateRetractions", 0);
    double lettersBefore = flinkMetric("deadLetters", 0);
    // Inside a larger transaction: rows written before the truncate go with it, rows written
    // after it in the same transaction stay, one of them under a key that was truncated away.
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      db.setAutoCommit(false);
      long order = queryLong("SELECT max(id) FROM shop.orders");
      String insert =
          "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
              + " created_at) SELECT %d, (SELECT min(id) FROM shop.customers),"
              + " (SELECT min(id) FROM shop.products), 2, 40.00, '%s', now()";
      sql.execute(insert.formatted(order + 1, "PAID"));
      sql.execute("UPDATE shop.products SET category = 'before-truncate' WHERE id % 3 = 0");
      sql.execute("TRUNCATE shop.orders");
      sql.execute(insert.formatted(order, "PENDING"));
      sql.execute(insert.formatted(order + 2, "SHIPPED"));
      db.commit();
    }
    assertThat(queryLong("SELECT count(*) FROM shop.orders")).isEqualTo(2);
    assertConvergesToOracles(oracles(), runWorkload(800, 400), "after a truncate in a transaction");
    assertThat(flinkMetric("truncateRetractions", truncatedBefore + 1))
        .isGreaterThan(truncatedBefore);

    // CASCADE truncates the orders with the customers: one truncate event per table.
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute("TRUNCATE shop.customers CASCADE");
    }
    assertThat(queryLong("SELECT count(*) FROM shop.orders")).isZero();
    assertConvergesToOracles(oracles(), runWorkload(800, 400), "after TRUNCATE ... CASCADE");
    assertThat(flinkMetric("deadLetters", 0)).as("dead letters").isEqualTo(lettersBefore);
  }

  /**
   * While writers commit multi-table transactions concurrently and one writes 20,000 orders in one
   * transaction, the analytics tables are read again and again: each reading, with the source
   * position committed with it, must be the oracle at some commit of the source, never a state in
   * between. Each writer takes one lock just before it commits and computes the oracles there, so
   * writers commit one at a time and each knows the source state its commit leaves.
   */
  @Test
  @Order(11)
  void everyStateTheTablesShowIsTheOraclesAtACommitOfTheSource() throws Exception {
    List<Oracles.Oracle> oracles = oracles();
    assertConvergesToOracles(oracles, runWorkload(300, 300), "before the consistency check");
    String oracleDigest = digest(oracles, true);
    String tableDigest = digest(oracles, false);
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      sql.execute(
          "CREATE TABLE public.commit_states (txid bigint PRIMARY KEY, digest text NOT NULL)");
      long first = queryLong("SELECT coalesce(max(id), 0) FROM shop.orders") + 1_000_000;
      sql.execute("CREATE SEQUENCE public.consistency_ids START WITH " + first);
      sql.execute(
          "INSERT INTO shop.customers (id, name, email, country, created_at) VALUES"
              + " (nextval('public.consistency_ids'), 'writer', 'w@example.com', 'DE', now())");
      sql.execute(
          "INSERT INTO shop.products (id, name, category, price) VALUES"
              + " (nextval('public.consistency_ids'), 'lamp', 'home', 9.99)");
      sql.execute("INSERT INTO public.commit_states SELECT txid_current(), (" + oracleDigest + ")");
    }
    java.util.concurrent.atomic.AtomicBoolean writing =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    // Threads of its own: the common pool may have one thread on a small machine.
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(5);
    List<String[]> samples = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> sampler =
        CompletableFuture.runAsync(
            () -> {
              try (Connection db = pipeline.postgres().superuserConnection();
                  Statement sql = db.createStatement()) {
                while (writing.get()) {
                  try (ResultSet rs =
                      sql.executeQuery(
                          "SELECT (SELECT txid FROM "
                              + io.cdcplatform.pipeline.PipelineDefinition.SOURCE_POSITION
                              + "), ("
                              + tableDigest
                              + ")")) {
                    rs.next();
                    samples.add(new String[] {rs.getString(1), rs.getString(2)});
                  }
                  TimeUnit.MILLISECONDS.sleep(40);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            threads);
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      int writer = w;
      writers.add(
          CompletableFuture.runAsync(
              () -> {
                for (int t = 0; t < 25; t++) {
                  commitState(
                      oracleDigest,
                      "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount,"
                          + " status, created_at) SELECT nextval('public.consistency_ids'), c.id,"
                          + " p.id, 1 + g % 3, 5.00 + g, 'PAID', now()"
                          + " FROM generate_series(1, 3) g, LATERAL (SELECT id FROM shop.customers"
                          + " ORDER BY random() LIMIT 1) c, LATERAL (SELECT id FROM shop.products"
                          + " ORDER BY random() LIMIT 1) p",
                      "UPDATE shop.products SET category = 'moved-"
                          + writer
                          + "-"
                          + (t % 4)
                          + "' WHERE id = (SELECT id FROM shop.products ORDER BY random() LIMIT 1)",
                      "UPDATE shop.orders SET status = 'CANCELLED' WHERE id = (SELECT id FROM"
                          + " shop.orders WHERE status = 'PAID' ORDER BY random() LIMIT 1)");
                  // Paced, so that the tables pass through many states while they are read.
                  pause(150);
                }
              },
              threads));
    }
    writers.add(
        CompletableFuture.runAsync(
            () -> {
              pause(1_500);
              commitState(
                  oracleDigest,
                  "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
                      + " created_at) SELECT nextval('public.consistency_ids'), (SELECT"
                      + " min(id) FROM shop.customers), (SELECT"
                      + " min(id) FROM shop.products), 1, 1.00, 'PAID', now()"
                      + " FROM generate_series(1, 20000)",
                  "UPDATE shop.products SET category = 'large' WHERE id = (SELECT min(id) FROM"
                      + " shop.products)");
            },
            threads));
    CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    TestPipelines.converge(pipeline, oracles, Duration.ofSeconds(180));
    TimeUnit.SECONDS.sleep(1);
    writing.set(false);
    sampler.get(1, TimeUnit.MINUTES);
    threads.shutdown();

    Map<String, String> states = new HashMap<>();
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT txid, digest FROM public.commit_states")) {
      while (rs.next()) {
        states.put(rs.getString(2), rs.getString(1));
      }
    }
    List<String> seen = new ArrayList<>();
    for (String[] sample : samples) {
      assertThat(states)
          .as("a reading at source position %s shows a state no commit left", sample[0])
          .containsKey(sample[1]);
      if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(sample[1])) {
        seen.add(sample[1]);
      }
    }
    System.out.printf(
        "consistency: %d readings, %d distinct source states of %d commits%n",
        samples.size(), seen.size(), states.size());
    assertThat(states).as("commits the writers left").hasSize(77);
    // The states before, during and after the writers at least: the readings are not of one state.
    assertThat(seen.size())
        .as("distinct states read while the writers ran")
        .isGreaterThanOrEqualTo(3);
    assertThat(samples.get(samples.size() - 1)[0])
        .as("the position is the last commit's or a later heartbeat's")
        .isNotNull();
  }

  private static void pause(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs the statements as one transaction that records the source state its commit leaves. */
  private static void commitState(String oracleDigest, String... statements) {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      db.setAutoCommit(false);
      for (String statement : statements) {
        sql.execute(statement);
      }
      // Writers commit one at a time from here: what this one sees is what its commit leaves.
      sql.execute("SELECT pg_advisory_xact_lock(4711)");
      sql.execute("INSERT INTO public.commit_states SELECT txid_current(), (" + oracleDigest + ")");
      db.commit();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One query's text: a digest of every oracle's rows (or of its table's, in the oracle's columns
   * and types), numerics without trailing zeros, so equal states give equal digests.
   */
  private static String digest(List<Oracles.Oracle> oracles, boolean ofOracle) throws Exception {
    List<String> parts = new ArrayList<>();
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement()) {
      for (Oracles.Oracle oracle : oracles) {
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = sql.executeQuery("SELECT * FROM (" + oracle.sql() + ") o LIMIT 0")) {
          var meta = rs.getMetaData();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            String type = meta.getColumnTypeName(i);
            String column = meta.getColumnName(i) + "::" + type;
            columns.add(type.equals("numeric") ? "trim_scale(" + column + ")" : column);
          }
        }
        String rows =
            "SELECT "
                + String.join(", ", columns)
                + " FROM "
                + (ofOracle ? "(" + oracle.sql() + ") o" : oracle.table());
        parts.add(
            "(SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) FROM ("
                + rows
                + ") r)");
      }
    }
    return "SELECT " + String.join(" || '|' || ", parts);
  }

  private static long committedChanges;

  private static double flinkMetric(String name) throws InterruptedException {
    return flinkMetric(name, 1);
  }

  /**
   * An operator metric of the job once it reaches a value, or its last value after 20 s (the REST
   * API serves metrics with a delay); -1 when it has none.
   */
  private static double flinkMetric(String name, double atLeast) throws InterruptedException {
    double value = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (value < atLeast && System.nanoTime() < deadline) {
      value = pipeline.flink().metrics(name).getOrDefault(name, -1.0);
      if (value < atLeast) {
        TimeUnit.MILLISECONDS.sleep(500);
      }
    }
    return value;
  }

  private static long queryLong(String query) throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Every committed record of a topic, as JSON. */
  private static List<JsonNode> readAll(String topic) throws Exception {
    List<JsonNode> records = new ArrayList<>();
    for (ConsumerRecord<String, String> record : committedRecords(topic)) {
      records.add(JSON.readTree(record.value()));
    }
    return records;
  }

  /** Every record of a topic a read_committed consumer sees, from the start to the end offsets. */
  private static List<ConsumerRecord<String, String>> committedRecords(String topic) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = readCommitted()) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
          && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static KafkaConsumer<String, String> readCommitted() {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.kafka().bootstrapServers());
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    return new KafkaConsumer<>(properties);
  }

  /**
   * Columns added, dropped and retyped while the pipeline runs: a column no analytic reads is not
   * carried, so none of this costs a change (no dead letter, the tables stay equal to their
   * oracles); a retyped column an analytic reads carries every value exactly or names the change it
   * could not apply. Last: the shop's tables keep the new shape.
   */
  @Test
  @Order(16)
  void columnsAddedDroppedAndRetypedWhileRunningLoseNoChange() throws Exception {
    assertConvergesToOracles(oracles(), runWorkload(300, 300), "before the schema changes");
    assertThat(queryLong("SELECT count(*) FROM analytics.unapplied")).isZero();
    long order = queryLong("SELECT max(id) FROM shop.orders") + 1;
    String insert =
        "INSERT INTO shop.orders (id, customer_id, product_id, amount, status, created_at)"
            + " SELECT %d, (SELECT min(id) FROM shop.customers), (SELECT max(id) FROM"
            + " shop.products), %s, '%s', now()";
    superuser(
        "ALTER TABLE shop.orders ADD COLUMN gift_note text",
        insert
            .formatted(order, "12.50", "PAID")
            .replace("amount,", "quantity, amount,")
            .replace("shop.products), ", "shop.products), 3, "),
        "UPDATE shop.orders SET gift_note = 'happy birthday ✓' WHERE id = " + order,
        // quantity and updated_at were carried by nothing: no analytic reads them.
        "ALTER TABLE shop.orders DROP COLUMN quantity",
        insert.formatted(order + 1, "7.25", "PENDING"),
        "UPDATE shop.orders SET status = 'SHIPPED' WHERE id = " + order,
        "ALTER TABLE shop.orders ALTER COLUMN updated_at TYPE text USING updated_at::text",
        "UPDATE shop.orders SET amount = amount + 1, updated_at = 'whenever'"
            + " WHERE id IN ("
            + order
            + ", "
            + (order + 1)
            + ")",
        "DELETE FROM shop.orders WHERE id = (SELECT min(id) FROM shop.orders)",
        "ALTER TABLE shop.customers ADD COLUMN loyalty smallint DEFAULT 1",
        "UPDATE shop.customers SET loyalty = 2, name = name || '.' WHERE id % 5 = 0");
    List<Oracles.Comparison> comparisons =
        TestPipelines.converge(pipeline, oracles(), Duration.ofSeconds(60));
    assertThat(comparisons)
        .allSatisfy(
            c -> assertThat(c.differing()).as(c.table() + " differs: " + c.samples()).isZero());
    // Every dead letter is an entry of the ledger: none came.
    TimeUnit.SECONDS.sleep(3);
    assertThat(queryLong("SELECT count(*) FROM analytics.unapplied"))
        .as("changes not applied")
        .isZero();
    awaitVerdict(v -> v.ready().isTrue(), "Ready after the schema changes");

    // amount is read by three analytics, as DECIMAL(12, 2): a wider type's values that still fit
    // are carried exactly, one that does not is named, and fixing the row heals the tables.
    superuser(
        "ALTER TABLE shop.orders ALTER COLUMN amount TYPE numeric(14,4)",
        "UPDATE shop.orders SET amount = 3.5000 WHERE id = " + order,
        "UPDATE shop.orders SET amount = 1.2345 WHERE id = " + (order + 1));
    Verdict named =
        awaitVerdict(
            v -> v.condition(Stage.RESULTS).reason() == Reason.CHANGES_NOT_APPLIED,
            "ResultsExact ChangesNotApplied after a retype");
    assertThat(named.condition(Stage.RESULTS).message())
        .contains("shop.orders has a change that was not applied", "amount", "1.2345");
    superuser("UPDATE shop.orders SET amount = 1.23 WHERE id = " + (order + 1));
    comparisons = TestPipelines.converge(pipeline, oracles(), Duration.ofSeconds(60));
    assertThat(comparisons)
        .allSatisfy(
            c -> assertThat(c.differing()).as(c.table() + " differs: " + c.samples()).isZero());
    superuser("DELETE FROM analytics.unapplied WHERE subject = 'shop.orders'");
    awaitVerdict(v -> v.ready().isTrue(), "Ready once acknowledged");
  }

  /**
   * A new generation of the definition (an analytic whose result changed shape, one added) is
   * computed from the change topics' first records: every table, old and new, ends equal to its new
   * oracle, over everything the earlier tests wrote (a lost slot, truncates, retyped columns), and
   * a row no generation computes is gone. A crash of the new job restores its own generation's
   * checkpoint. A start that can no longer read every change is refused, naming the partition.
   */
  @Test
  @Order(17)
  void aNewGenerationOfTheDefinitionIsComputedOverEveryChangeSinceCaptureBegan(
      @TempDir Path changed) throws Exception {
    Path home = Path.of(System.getProperty("cdc.home"));
    try (var files = Files.list(home.resolve(ChartFiles.DEFAULT_PIPELINE))) {
      for (Path file : files.toList()) {
        Files.copy(file, changed.resolve(file.getFileName()));
      }
    }
    Files.writeString(
        changed.resolve("status_totals.sql"),
        "SELECT status, COUNT(*) AS order_count, SUM(amount) AS amount,"
            + " MAX(amount) AS max_amount\nFROM shop.orders\nGROUP BY status\n");
    Files.writeString(
        changed.resolve("product_orders.sql"),
        "SELECT product_id, COUNT(*) AS order_count, SUM(amount) AS amount\n"
            + "FROM shop.orders\nGROUP BY product_id\n");
    Path yaml = changed.resolve("pipeline.yaml");
    Files.writeString(yaml, withAnalytic(Files.readString(yaml), "product_orders", "product_id"));
    io.cdcplatform.pipeline.PipelineDefinition next =
        io.cdcplatform.pipeline.PipelineDefinitions.load(changed);
    assertThat(next.jobId()).isNotEqualTo(jobIdOf(home.resolve(ChartFiles.DEFAULT_PIPELINE)));
    String order =
        "INSERT INTO shop.orders (id, customer_id, product_id, amount, status, created_at)"
            + " SELECT (SELECT max(id) + 1 FROM shop.orders), (SELECT min(id) FROM shop.customers),"
            + " (SELECT max(id) FROM shop.products), %s, '%s', now()";
    // A group no generation computes: the rebuild must not keep it.
    superuser("INSERT INTO analytics.customer_value VALUES (-1, 1, 1.00)");
    try (Admin admin = LocalKafkaCluster.admin(pipeline.kafka().bootstrapServers())) {
      pipeline
          .kafka()
          .createTopics(admin, new ChartFiles(home.resolve("helm/cdc-platform")).topics(next));
    }

    FlinkJob job = pipeline.flink();
    job.process().stop(Duration.ofSeconds(20));
    superuser(
        order.formatted("41.5", "PAID"),
        "UPDATE shop.orders SET status = 'SHIPPED' WHERE id = (SELECT max(id) FROM shop.orders)",
        "DELETE FROM shop.orders WHERE id = (SELECT min(id) FROM shop.orders)");
    long logged = Files.size(work.resolve("flink.log"));
    job.start(
        changed, pipeline.kafka().bootstrapServers(), pipeline.postgres().jdbcUrl(), System.out);
    job.awaitRunning(Duration.ofSeconds(120));
    superuser(order.formatted("7.25", "PENDING"), order.formatted("99.99", "CANCELLED"));
    assertConvergesToOracles(Oracles.of(next), "a new generation of the definition");
    assertThat(logSince(logged))
        .contains("no retained checkpoint of generation " + next.jobId())
        .contains("replaces the table");
    assertThat(queryLong("SELECT count(*) FROM analytics.status_totals WHERE max_amount > 0"))
        .isPositive();
    assertThat(queryLong("SELECT count(*) FROM analytics.product_orders")).isPositive();
    assertThat(queryLong("SELECT count(*) FROM analytics.customer_value WHERE customer_id = -1"))
        .isZero();
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT generation FROM analytics.pipeline_generation")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(next.generation());
    }

    // kill -9: the same generation goes on from its own checkpoint.
    long pid = job.process().pid();
    logged = Files.size(work.resolve("flink.log"));
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    superuser(order.formatted("12.00", "PAID"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (job.process().pid() == pid && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(200);
    }
    job.awaitRunning(Duration.ofSeconds(120));
    assertThat(logSince(logged))
        .contains("restoring from retained checkpoint")
        .contains(next.jobId());
    assertConvergesToOracles(Oracles.of(next), "kill -9 of the new generation's job");

    // A table added to a pipeline whose capture has begun, holding rows from before: as an upgrade
    // of the chart does, the connector is configured from the new definition and source-setup adds
    // the table to the publication, asking for a new snapshot in the same transaction; the launcher
    // takes it (stop, release, reset, resume), and the new generation's analytic over the table
    // counts its earlier rows too.
    superuser(
        "CREATE TABLE shop.refunds (id integer PRIMARY KEY, order_id integer NOT NULL,"
            + " reason text)",
        "INSERT INTO shop.refunds SELECT g, (SELECT min(id) FROM shop.orders) + g % 7,"
            + " CASE WHEN g % 3 = 0 THEN NULL ELSE 'damaged' END FROM generate_series(1, 60) g",
        "ALTER TABLE shop.refunds OWNER TO " + LocalCredentials.OWNER);
    Path withTable = changed.resolve("with-table");
    Files.createDirectories(withTable);
    try (var files = Files.list(changed)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, withTable.resolve(file.getFileName()));
      }
    }
    Files.writeString(
        withTable.resolve("refunds_per_order.sql"),
        "SELECT order_id, COUNT(*) AS return_count, COUNT(reason) AS with_reason\n"
            + "FROM shop.refunds\nGROUP BY order_id\n");
    Files.writeString(
        withTable.resolve("pipeline.yaml"),
        withAnalytic(Files.readString(yaml), "refunds_per_order", "order_id")
            .replace("  tables:\n", "  tables:\n    - table: shop.refunds\n"));
    io.cdcplatform.pipeline.PipelineDefinition third =
        io.cdcplatform.pipeline.PipelineDefinitions.load(withTable);
    ChartFiles chart = new ChartFiles(home.resolve("helm/cdc-platform"));
    try (Admin admin = LocalKafkaCluster.admin(pipeline.kafka().bootstrapServers())) {
      pipeline.kafka().createTopics(admin, chart.topics(third));
    }
    pipeline
        .connect()
        .putConnector(
            LocalPipeline.CONNECTOR,
            LocalConnectorConfig.from(
                chart.connector(third),
                "127.0.0.1",
                pipeline.postgres().port(),
                LocalCredentials.SECRETS));
    pipeline.connect().awaitRunning(LocalPipeline.CONNECTOR, Duration.ofSeconds(60));
    int recoveries = pipeline.slotRecovery().recoveries();
    List<String> setUp;
    try (Connection owner =
        DriverManager.getConnection(
            pipeline.postgres().jdbcUrl(),
            LocalCredentials.OWNER,
            LocalCredentials.OWNER_PASSWORD)) {
      setUp =
          io.cdcplatform.source.SourceSetup.apply(
              owner,
              third,
              new io.cdcplatform.source.SourceSetup.Capture(
                  LocalCredentials.CAPTURE,
                  LocalCredentials.CAPTURE_PASSWORD,
                  LocalCredentials.PUBLICATION),
              new io.cdcplatform.source.SourceSetup.Verifier(
                  LocalCredentials.VERIFIER, LocalCredentials.VERIFIER_PASSWORD));
    }
    assertThat(setUp)
        .contains(
            "asked for a new snapshot in shop.heartbeat.resnapshot_requested: shop.refunds holds"
                + " rows no change topic carries");
    job.process().stop(Duration.ofSeconds(20));
    logged = Files.size(work.resolve("flink.log"));
    job.start(
        withTable, pipeline.kafka().bootstrapServers(), pipeline.postgres().jdbcUrl(), System.out);
    job.awaitRunning(Duration.ofSeconds(120));
    superuser("INSERT INTO shop.refunds VALUES (61, (SELECT max(id) FROM shop.orders), 'late')");
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (pipeline.slotRecovery().recoveries() == recoveries && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(200);
    }
    assertThat(pipeline.slotRecovery().recoveries())
        .as("the launcher re-snapshots once for the added table")
        .isEqualTo(recoveries + 1);
    assertConvergesToOracles(Oracles.of(third), "a table added to the running pipeline");
    assertThat(queryLong("SELECT sum(return_count) FROM analytics.refunds_per_order"))
        .isEqualTo(61);
    assertThat(logSince(logged))
        .contains("shop.refunds added to a pipeline whose capture had begun");
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery("SELECT resnapshot_requested IS NULL FROM shop.heartbeat")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getBoolean(1)).as("the request is cleared by the release").isTrue();
    }

    // Retention took a change topic's oldest records: a job of another generation cannot compute
    // its analytics from what is left, and says so instead of starting.
    try (Admin admin = LocalKafkaCluster.admin(pipeline.kafka().bootstrapServers())) {
      TopicPartition orders = new TopicPartition("cdc.shop.orders", 0);
      long end =
          admin
              .listOffsets(Map.of(orders, org.apache.kafka.clients.admin.OffsetSpec.latest()))
              .partitionResult(orders)
              .get()
              .offset();
      admin
          .deleteRecords(
              Map.of(orders, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(end)))
          .all()
          .get();
    }
    Files.writeString(
        changed.resolve("product_orders.sql"),
        Files.readString(changed.resolve("product_orders.sql")) + "-- another generation\n");
    job.process().stop(Duration.ofSeconds(20));
    logged = Files.size(work.resolve("flink.log"));
    job.start(
        changed, pipeline.kafka().bootstrapServers(), pipeline.postgres().jdbcUrl(), System.out);
    Verdict refused =
        awaitVerdict(
            v -> v.condition(Stage.PROCESSING).message().contains("begins at offset"),
            "ProcessingReady naming the partition whose oldest records are gone");
    assertThat(refused.condition(Stage.PROCESSING).message())
        .contains("cdc.shop.orders-0 begins at offset");
    assertThat(logSince(logged)).contains("their oldest records are gone");
  }

  /** The definition with one more analytic, its query in {@code <name>.sql}. */
  private static String withAnalytic(String pipelineYaml, String name, String key) {
    return pipelineYaml.replace(
        "\njob:\n",
        "  - name: " + name + "\n    query: " + name + ".sql\n    key: [" + key + "]\n\njob:\n");
  }

  private static String jobIdOf(Path definition) {
    return io.cdcplatform.pipeline.PipelineDefinitions.load(definition).jobId();
  }

  /** Waits up to a minute for the job's log to gain {@code text} after {@code size} bytes. */
  private static void awaitLogged(long size, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!logSince(size).contains(text) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(250);
    }
    assertThat(logSince(size)).contains(text);
  }

  /** What the job's log gained since it was {@code size} bytes long. */
  private static String logSince(long size) throws Exception {
    byte[] log = Files.readAllBytes(work.resolve("flink.log"));
    return new String(
        log,
        (int) Math.min(size, log.length),
        (int) Math.max(0, log.length - size),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void superuser(String... statements) throws Exception {
    TestPipelines.superuser(pipeline, statements);
  }

  private static void assertConvergesToOracles(
      List<Oracles.Oracle> oracles, IngestReport report, String when) throws Exception {
    assertConvergesToOracles(oracles, when + ": " + report.changes() + " changes");
  }

  private static void assertConvergesToOracles(List<Oracles.Oracle> oracles, String when)
      throws Exception {
    long start = System.nanoTime();
    List<Oracles.Comparison> comparisons =
        TestPipelines.converge(pipeline, oracles, Duration.ofSeconds(180));
    System.out.printf(
        "analytics %s, tables equal to their oracles %.1fs after the last commit: %s%n",
        when, (System.nanoTime() - start) / 1e9, comparisons);
    assertThat(comparisons)
        .allSatisfy(
            c -> assertThat(c.differing()).as(c.table() + " differs: " + c.samples()).isZero());
    for (Oracles.Oracle oracle : oracles) {
      assertTopicEqualsTable(oracle.table());
    }
  }

  /**
   * The topic of the same name, read as a read_committed consumer of a compacted topic sees it
   * (latest value per key, tombstones removing keys), holds exactly the table's rows.
   */
  private static void assertTopicEqualsTable(String table) throws Exception {
    List<String> fromTable = List.of();
    List<String> fromTopic = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      fromTable = tableRows(table);
      fromTopic = compactedView(table);
      if (fromTable.equals(fromTopic)) {
        break;
      }
      TimeUnit.SECONDS.sleep(1);
    }
    assertThat(fromTopic).as("topic " + table).hasSizeGreaterThan(0).isEqualTo(fromTable);
  }

  private static List<String> tableRows(String table) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT * FROM " + table)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          Object value = rs.getObject(i);
          row.add(
              switch (value) {
                case BigDecimal decimal -> decimal.stripTrailingZeros().toPlainString();
                case java.sql.Timestamp timestamp ->
                    timestamp.toInstant().atOffset(ZoneOffset.UTC).toLocalDateTime().toString();
                default -> String.valueOf(value);
              });
        }
        rows.add(String.join("|", row));
      }
    }
    Collections.sort(rows);
    return rows;
  }

  private static List<String> compactedView(String topic) throws Exception {
    Map<String, JsonNode> latest = new HashMap<>();
    for (ConsumerRecord<String, String> record : committedRecords(topic)) {
      if (record.value() == null) {
        latest.remove(record.key());
      } else {
        latest.put(record.key(), JSON.readTree(record.value()));
      }
    }
    List<String> rows = new ArrayList<>();
    for (JsonNode value : latest.values()) {
      List<String> row = new ArrayList<>();
      value
          .properties()
          .forEach(
              field -> {
                JsonNode node = field.getValue();
                if (node.isNumber()) {
                  row.add(node.decimalValue().stripTrailingZeros().toPlainString());
                } else if (node.asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z")) {
                  row.add(
                      java.time.Instant.parse(node.asText())
                          .atOffset(ZoneOffset.UTC)
                          .toLocalDateTime()
                          .toString());
                } else if (node.asText().matches("\\d{4}-\\d\\d-\\d\\dT.*")) {
                  row.add(LocalDateTime.parse(node.asText()).toString());
                } else {
                  row.add(node.asText());
                }
              });
      rows.add(String.join("|", row));
    }
    Collections.sort(rows);
    return rows;
  }

  private static long rowCount(String table) throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The oracles of the chart's pipeline definition. */
  static List<Oracles.Oracle> oracles() throws Exception {
    return Oracles.of(
        io.cdcplatform.pipeline.PipelineDefinitions.load(
            Path.of(System.getProperty("cdc.home")).resolve(ChartFiles.DEFAULT_PIPELINE)));
  }

  private static IngestReport runWorkload(long changes, double rate) throws Exception {
    IngestReport report = runWorkloadOnce(changes, rate);
    synchronized (AnalyticsPipelineIT.class) {
      committedChanges += report.changes();
    }
    return report;
  }

  private static IngestReport runWorkloadOnce(long changes, double rate) throws Exception {
    try (Connection db =
        DriverManager.getConnection(
            pipeline.postgres().jdbcUrl(),
            LocalCredentials.OWNER,
            LocalCredentials.OWNER_PASSWORD)) {
      WorkloadShape shape =
          WorkloadShape.defaults().withTransactionSize(1, 8).withLateFraction(0.05);
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
