package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
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
  @Order(3)
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
    for (Map.Entry<String, Long> entry : differing.entrySet()) {
      if (entry.getValue() > 0) {
        System.out.println(entry.getKey() + " differs: " + differences(entry.getKey(), oracles));
      }
    }
    assertThat(differing).allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
    for (String table : oracles.keySet()) {
      assertTopicEqualsTable(table);
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
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.kafka().bootstrapServers());
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    Map<String, JsonNode> latest = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
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
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.value() == null) {
            latest.remove(record.key());
          } else {
            latest.put(record.key(), JSON.readTree(record.value()));
          }
        }
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

  private static List<String> differences(String table, Map<String, String> oracles)
      throws Exception {
    String oracle = oracles.get(table);
    List<String> rows = new ArrayList<>();
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery(
                "(SELECT 'table' AS side, t::text FROM (SELECT * FROM "
                    + table
                    + " EXCEPT ALL ("
                    + oracle
                    + ")) t) UNION ALL (SELECT 'oracle', o::text FROM (("
                    + oracle
                    + ") EXCEPT ALL SELECT * FROM "
                    + table
                    + ") o) LIMIT 10")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + " " + rs.getString(2));
      }
    }
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
