package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.WorkloadGenerator;
import io.cdcplatform.ingest.WorkloadRunner;
import io.cdcplatform.ingest.WorkloadShape;
import io.cdcplatform.local.TestPipelines.Change;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL through Debezium into three Kafka brokers, as {@code make demo} runs it: every
 * committed change reaches its topic in commit order per key with whole before and after images,
 * and a broker or the Connect worker killed with SIGKILL loses nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CapturePipelineIT {

  private static final List<String> DATA_TOPICS =
      List.of("cdc.shop.customers", "cdc.shop.products", "cdc.shop.orders");
  private static final String PLACEHOLDER = "__debezium_unavailable_value";

  @TempDir static Path work;
  static LocalPipeline pipeline;

  @BeforeAll
  static void start() throws Exception {
    pipeline = TestPipelines.startWithoutIngest(work, "--no-analytics");
  }

  @AfterAll
  static void stop() {
    if (pipeline != null) {
      pipeline.stopAll();
    }
  }

  @Test
  @Order(1)
  void everyChangeReachesKafkaInCommitOrderWithBeforeAndAfterImages() throws Exception {
    // Large, and read by no analytic: the definition leaves it out of the captured columns.
    String description = randomText(900_000);
    try (Connection db = owner();
        Statement sql = db.createStatement()) {
      db.setAutoCommit(false);
      // One transaction of five rows.
      sql.execute(
          "INSERT INTO shop.customers (id, name, email, country, created_at) VALUES"
              + " (1000001, 'Ada', 'ada@example.com', 'GB', '2026-01-01T10:00:00Z')");
      try (var insert =
          db.prepareStatement(
              "INSERT INTO shop.products (id, name, category, price, description)"
                  + " VALUES (1000001, 'Lamp', 'home', 19.99, ?)")) {
        insert.setString(1, description);
        insert.execute();
      }
      sql.execute(
          "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
              + " created_at) VALUES"
              + " (1000001, 1000001, 1000001, 2, 39.98, 'PENDING', '2026-01-01T10:00:05.123456Z'),"
              + " (1000002, 1000001, 1000001, 1, 19.99, 'PENDING', '2026-01-01T10:00:06Z'),"
              + " (1000003, 1000001, 1000001, 3, 59.97, 'PENDING', '2026-01-01T10:00:07Z')");
      db.commit();
      sql.execute("UPDATE shop.orders SET status = 'PAID' WHERE id = 1000001");
      db.commit();
      sql.execute("UPDATE shop.orders SET amount = 35.00 WHERE id = 1000001");
      db.commit();
      sql.execute("UPDATE shop.products SET category = 'garden' WHERE id = 1000001");
      db.commit();
      // With the description, the before and after images of this update would pass 1 MB.
      sql.execute("UPDATE shop.products SET price = 21.00 WHERE id = 1000001");
      db.commit();
      sql.execute("DELETE FROM shop.orders WHERE id = 1000002");
      db.commit();
      // A customer leaves: their orders go first, in the same transaction.
      sql.execute("DELETE FROM shop.orders WHERE customer_id = 1000001");
      sql.execute("DELETE FROM shop.customers WHERE id = 1000001");
      db.commit();
    }

    List<Change> changes =
        TestPipelines.readUntil(
            pipeline.kafka().bootstrapServers(),
            DATA_TOPICS,
            // orders 1000001: c u u d + tombstone; 1000002 and 1000003: c d + tombstone;
            // product: c u u; customer: c d + tombstone
            read -> read.stream().filter(c -> id(c).matches("100000[123]")).count() >= 17,
            Duration.ofSeconds(60));

    List<Change> order1 = forKey(changes, "cdc.shop.orders", "1000001");
    assertThat(order1).extracting(Change::op).containsExactly("c", "u", "u", "d", "tombstone");
    assertThat(order1.get(0).after().path("amount").asText()).isEqualTo("39.98");
    assertThat(order1.get(0).after().path("created_at").asText())
        .isEqualTo("2026-01-01T10:00:05.123456Z");
    assertThat(order1.get(1).before()).isEqualTo(order1.get(0).after());
    assertThat(order1.get(1).after().path("status").asText()).isEqualTo("PAID");
    assertThat(order1.get(2).before()).isEqualTo(order1.get(1).after());
    assertThat(order1.get(2).after().path("amount").asText()).isEqualTo("35.00");
    assertThat(order1.get(3).before()).isEqualTo(order1.get(2).after());
    assertThat(order1.get(3).after().isNull()).isTrue();

    List<Change> order2 = forKey(changes, "cdc.shop.orders", "1000002");
    assertThat(order2).extracting(Change::op).containsExactly("c", "d", "tombstone");
    assertThat(order2.get(1).before().path("amount").asText()).isEqualTo("19.99");
    assertThat(forKey(changes, "cdc.shop.orders", "1000003"))
        .extracting(Change::op)
        .containsExactly("c", "d", "tombstone");

    // The five inserts were one transaction, and each key's records follow commit order.
    List<Change> inserts =
        changes.stream().filter(c -> "c".equals(c.op()) && id(c).startsWith("100000")).toList();
    assertThat(inserts).hasSize(5);
    assertThat(inserts.stream().map(c -> c.value().path("source").path("txId").asLong()).distinct())
        .hasSize(1);
    for (Change change : changes) {
      List<Change> sameKey = forKey(changes, change.topic(), id(change));
      List<Long> lsns = sameKey.stream().filter(c -> c.value() != null).map(Change::lsn).toList();
      assertThat(lsns).isSorted();
    }

    List<Change> product = forKey(changes, "cdc.shop.products", "1000001");
    assertThat(product).extracting(Change::op).containsExactly("c", "u", "u");
    assertThat(product.get(1).after().path("category").asText()).isEqualTo("garden");
    assertThat(product.get(2).after().path("price").asText()).isEqualTo("21.00");
    assertThat(product.get(0).after().path("price").asText()).isEqualTo("19.99");
    assertThat(product)
        .allSatisfy(
            c -> {
              assertThat(c.after().has("description")).as("description travels").isFalse();
              assertThat(c.after().path("name").asText()).isEqualTo("Lamp");
            });

    List<Change> customer = forKey(changes, "cdc.shop.customers", "1000001");
    assertThat(customer).extracting(Change::op).containsExactly("c", "d", "tombstone");
    assertThat(customer.get(1).before().path("email").asText()).isEqualTo("ada@example.com");

    assertThat(changes)
        .filteredOn(c -> c.value() != null)
        .noneMatch(c -> c.value().toString().contains(PLACEHOLDER));
  }

  @Test
  @Order(2)
  void killingABrokerWhileChangesFlowLosesNothingAndTheBrokerRejoins() throws Exception {
    SupervisedChild broker = pipeline.kafka().brokers().get(1);
    long pidBefore = broker.pid();
    Delivery delivery =
        runWorkloadKilling(
            () -> ProcessHandle.of(pidBefore).ifPresent(ProcessHandle::destroyForcibly));

    assertThat(delivery.lost()).as(delivery.toString()).isZero();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int brokers = 0;
    try (Admin admin = LocalKafkaCluster.admin(pipeline.kafka().bootstrapServers())) {
      while (brokers < 3 && System.nanoTime() < deadline) {
        brokers = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
        TimeUnit.MILLISECONDS.sleep(250);
      }
    }
    assertThat(brokers).isEqualTo(3);
    assertThat(broker.restarts()).isEqualTo(1);
    assertThat(broker.pid()).isNotEqualTo(pidBefore);
    System.out.println("broker kill: " + delivery);
  }

  @Test
  @Order(3)
  void killingTheConnectWorkerRestartsItFromItsStoredOffsetsLosingNothing() throws Exception {
    SupervisedChild worker = pipeline.connect().process();
    long pidBefore = worker.pid();
    Delivery delivery =
        runWorkloadKilling(
            () -> ProcessHandle.of(pidBefore).ifPresent(ProcessHandle::destroyForcibly));

    assertThat(delivery.lost()).as(delivery.toString()).isZero();
    assertThat(worker.restarts()).isEqualTo(1);
    assertThat(worker.pid()).isNotEqualTo(pidBefore);
    assertThat(
            pipeline
                .connect()
                .awaitRunning(LocalPipeline.CONNECTOR, Duration.ofSeconds(60))
                .running())
        .isTrue();
    // Duplicates are allowed at this layer (the worker resumes from its last flushed offset);
    // they are reported, and the analytics layer absorbs them.
    System.out.println("connect kill: " + delivery);
  }

  @Test
  @Order(4)
  void aQuietDatabaseStillAdvancesTheSlotAndTheHeartbeatTopic() throws Exception {
    try (Admin admin = LocalKafkaCluster.admin(pipeline.kafka().bootstrapServers())) {
      StatusLine offsets = new StatusLine(admin, List.of("cdc.shop.heartbeat"));
      long slotBefore = confirmedFlushLsn();
      long beatsBefore = offsets.endOffsets().get("cdc.shop.heartbeat");

      TimeUnit.SECONDS.sleep(6); // no writes but the connector's heartbeats

      long beatsAfter = offsets.endOffsets().get("cdc.shop.heartbeat");
      assertThat(beatsAfter - beatsBefore).isGreaterThanOrEqualTo(3);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (confirmedFlushLsn() <= slotBefore && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(500);
      }
      assertThat(confirmedFlushLsn()).isGreaterThan(slotBefore);
    }
  }

  @Test
  @Order(5)
  void aChangeTooLargeForKafkaGoesOnWithoutItsRowsAndCaptureGoesOn() throws Exception {
    // A captured column PostgreSQL stores without complaint, but over Kafka's record size.
    String category = randomText(17_000_000);
    String toasted = randomText(300_000);
    long huge;
    try (Connection db = owner();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT max(id) + 1 FROM shop.products")) {
      rs.next();
      huge = rs.getLong(1);
    }
    long small = huge + 1;
    long unchanged = huge + 2;
    try (Connection db = owner();
        var insert =
            db.prepareStatement(
                "INSERT INTO shop.products (id, name, category, price) VALUES (?, 'Huge', ?, 1.00)")) {
      insert.setLong(1, huge);
      insert.setString(2, category);
      insert.execute();
      // Large but within the limit, and TOASTed: the update below leaves it untouched.
      insert.setLong(1, unchanged);
      insert.setString(2, toasted);
      insert.execute();
      insert.setLong(1, small);
      insert.setString(2, "small");
      insert.execute();
      try (Statement sql = db.createStatement()) {
        sql.execute("UPDATE shop.products SET price = 2.00 WHERE id = " + unchanged);
        sql.execute("UPDATE shop.products SET price = 3.00 WHERE id = " + small);
      }
    }

    List<Change> changes =
        TestPipelines.readUntil(
            pipeline.kafka().bootstrapServers(),
            List.of("cdc.shop.products"),
            // Three keys, possibly on three partitions: wait for each one's records.
            read ->
                !forKey(read, "cdc.shop.products", String.valueOf(huge)).isEmpty()
                    && forKey(read, "cdc.shop.products", String.valueOf(small)).size() >= 2
                    && forKey(read, "cdc.shop.products", String.valueOf(unchanged)).size() >= 2,
            Duration.ofSeconds(60));

    Change oversized = forKey(changes, "cdc.shop.products", String.valueOf(huge)).getFirst();
    assertThat(oversized.op()).isEqualTo("c");
    assertThat(oversized.value().has("after")).isFalse();
    assertThat(oversized.value().path("source").path("table").asText()).isEqualTo("products");
    assertThat(oversized.value().at("/oversized/bytes").asLong()).isGreaterThan(17_000_000);
    assertThat(oversized.value().at("/oversized/limit").asLong()).isEqualTo(15_728_640);
    assertThat(
            forKey(changes, "cdc.shop.products", String.valueOf(small))
                .getFirst()
                .after()
                .path("category")
                .asText())
        .isEqualTo("small");
    List<Change> toastedChanges = forKey(changes, "cdc.shop.products", String.valueOf(unchanged));
    assertThat(toastedChanges).extracting(Change::op).containsExactly("c", "u");
    assertThat(toastedChanges.get(1).after().path("price").asText()).isEqualTo("2.00");
    assertThat(toastedChanges.get(1).after().path("category").asText()).isEqualTo(toasted);
    assertThat(toastedChanges.get(1).before().path("category").asText()).isEqualTo(toasted);
    assertThat(pipeline.connect().state(LocalPipeline.CONNECTOR).running()).isTrue();
  }

  private static long confirmedFlushLsn() throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery(
                "SELECT (confirmed_flush_lsn - '0/0')::bigint FROM pg_replication_slots"
                    + " WHERE slot_name = 'cdc_debezium' AND active")) {
      assertThat(rs.next()).as("slot cdc_debezium exists and is active").isTrue();
      return rs.getLong(1);
    }
  }

  /** What the topics hold of a run's committed changes. */
  private record Delivery(long committed, long distinct, long records) {
    long lost() {
      return committed - distinct;
    }

    long duplicates() {
      return records - distinct;
    }

    @Override
    public String toString() {
      return committed
          + " changes committed, "
          + distinct
          + " delivered, "
          + lost()
          + " lost, "
          + duplicates()
          + " duplicates";
    }
  }

  /** Runs 6,000 changes at 500/s, kills something 3 s in, and counts what reached Kafka. */
  private Delivery runWorkloadKilling(Runnable kill) throws Exception {
    long startLsn = currentLsn();
    CompletableFuture<IngestReport> run =
        CompletableFuture.supplyAsync(
            () -> {
              try (Connection db = owner()) {
                return new WorkloadRunner(
                        db,
                        new WorkloadGenerator(
                            WorkloadShape.defaults(),
                            ThreadLocalRandom.current().nextLong(),
                            ShopModel.load(db),
                            Clock.systemUTC()),
                        new WorkloadRunner.Limits(500, 6_000L, null),
                        Duration.ofSeconds(60),
                        new PrintStream(new ByteArrayOutputStream()))
                    .run(() -> false);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    TimeUnit.SECONDS.sleep(3);
    kill.run();
    IngestReport report = run.get(120, TimeUnit.SECONDS);

    List<Change> changes =
        TestPipelines.readUntil(
            pipeline.kafka().bootstrapServers(),
            DATA_TOPICS,
            read -> distinct(read, startLsn).size() >= report.changes(),
            Duration.ofSeconds(120));
    long records = changes.stream().filter(c -> c.value() != null && c.lsn() >= startLsn).count();
    return new Delivery(report.changes(), distinct(changes, startLsn).size(), records);
  }

  private static Set<String> distinct(List<Change> changes, long fromLsn) {
    Set<String> seen = new HashSet<>();
    for (Change change : changes) {
      if (change.value() != null && change.lsn() >= fromLsn) {
        seen.add(change.topic() + "/" + change.lsn() + "/" + change.op() + "/" + change.key());
      }
    }
    return seen;
  }

  private static long currentLsn() throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT (pg_current_wal_lsn() - '0/0')::bigint")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Connection owner() throws Exception {
    return DriverManager.getConnection(
        pipeline.postgres().jdbcUrl(), LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
  }

  private static List<Change> forKey(List<Change> changes, String topic, String id) {
    return changes.stream()
        .filter(c -> c.topic().equals(topic) && c.key() != null && id.equals(id(c)))
        .collect(Collectors.toList());
  }

  private static String id(Change change) {
    return change.key() == null ? "" : change.key().path("id").asText();
  }

  private static String randomText(int length) {
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    StringBuilder text = new StringBuilder(length);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }
}
