package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.health.Oracles;
import io.cdcplatform.health.Reason;
import io.cdcplatform.health.Stage;
import io.cdcplatform.health.Verdict;
import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.WorkloadGenerator;
import io.cdcplatform.ingest.WorkloadRunner;
import io.cdcplatform.ingest.WorkloadShape;
import io.cdcplatform.source.LostSlot;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every fault of the pipeline under continuous writes and during a large source transaction, each
 * healed with nobody's help: a workload writes throughout, a 20,000-row transaction commits just
 * before the fault (so its changes are on their way through capture, Kafka and the job), and then
 * the fault is injected from outside. Crashes are a {@code kill -9} of each component (Connect is
 * also stopped gracefully), which the launcher's supervisors answer by starting the process again;
 * the analytics database refusing writes (read-only, or out of space) lasts until the verdict has
 * named it; a replication slot PostgreSQL invalidates is noticed and re-snapshotted by the
 * launcher. For each fault the suite records changes lost and counted twice (the orders in {@code
 * status_totals} against the source's), whether every table ends equal to its oracle, when the
 * verdict named the failing stage and when the tables were equal again, both counted from the
 * fault. The one table goes to target/fault-suite.txt.
 *
 * <p>Faults that must show: Connect and the job are down for several seconds whatever happens; two
 * brokers of three leave the cluster without a quorum and the change topics without their
 * min.insync.replicas, so capture must stop (not lose) and resume; a database refusing writes and a
 * lost slot last until they are named. One broker restarted by its supervisor can be back before
 * the controller fences it, and PostgreSQL within a second or two: those are recorded when seen,
 * not required.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {

  private static final int LARGE_TRANSACTION = 20_000;
  private static final Duration DETECTION_LIMIT = Duration.ofSeconds(30);
  private static final List<String> TABLE = new ArrayList<>();

  @TempDir static Path work;
  static LocalPipeline pipeline;

  @BeforeAll
  static void start() throws Exception {
    pipeline = TestPipelines.startWithoutIngest(work, "--health-interval", "1");
    TABLE.add(
        String.format(
            Locale.ROOT,
            "%-44s %5s %10s %14s %-40s %10s",
            "fault",
            "lost",
            "duplicates",
            "equal oracles",
            "named as",
            "recovered"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (pipeline != null) {
      pipeline.stopAll();
    }
    TestPipelines.report("fault-suite.txt", TABLE);
  }

  @Test
  @Order(1)
  void aBrokerKilledWhileALargeTransactionIsCaptured() throws Exception {
    SupervisedChild broker = pipeline.kafka().brokers().get(1);
    fault(Fault.crash("a broker (kill -9)", failing(Stage.TRANSPORT), false, () -> kill(broker)));
  }

  @Test
  @Order(2)
  void twoBrokersKilledAtOnceStopCaptureWithoutLosingAnything() throws Exception {
    List<SupervisedChild> brokers = pipeline.kafka().brokers();
    fault(
        Fault.crash(
            "two brokers at once (kill -9)",
            failing(Stage.TRANSPORT),
            true,
            () -> {
              kill(brokers.get(0));
              kill(brokers.get(2));
            }));
  }

  @Test
  @Order(3)
  void connectKilledMidTransaction() throws Exception {
    fault(
        Fault.crash(
            "Connect mid-transaction (kill -9)",
            failing(Stage.CAPTURE),
            true,
            () -> kill(pipeline.connect().process())));
  }

  /**
   * A graceful stop (SIGTERM, as a rolling restart of the Connect pod sends) while the large
   * transaction is captured: Connect commits the offsets it has and stops its task mid-transaction;
   * the restarted task resumes from the slot, which sends the whole transaction again.
   */
  @Test
  @Order(4)
  void connectRestartedGracefullyMidTransaction() throws Exception {
    fault(
        Fault.crash(
            "Connect mid-transaction (SIGTERM, graceful)",
            failing(Stage.CAPTURE),
            true,
            () ->
                ProcessHandle.of(pipeline.connect().process().pid())
                    .ifPresent(ProcessHandle::destroy)));
  }

  @Test
  @Order(5)
  void theJobKilledWhileItHoldsALargeTransaction() throws Exception {
    fault(
        Fault.crash(
            "the Flink job mid-transaction (kill -9)",
            failing(Stage.PROCESSING),
            true,
            () -> kill(pipeline.flink().process())));
  }

  /**
   * The source database crashes under writes: the launcher starts PostgreSQL again on its data
   * directory, crash recovery keeps every acknowledged commit, and the slot, Connect, the job's
   * sink and the writers reconnect.
   */
  @Test
  @Order(6)
  void postgresKilledUnderWrites() throws Exception {
    var postgres = pipeline.postgres();
    int restarts = pipeline.postgresSupervisor().restarts();
    long[] killed = new long[1];
    fault(
        Fault.crash(
            "PostgreSQL under writes (kill -9)",
            failing(Stage.SOURCE),
            false,
            () -> {
              killed[0] = postgres.postmasterPid().orElseThrow();
              ProcessHandle.of(killed[0]).ifPresent(ProcessHandle::destroyForcibly);
            }));
    assertThat(pipeline.postgresSupervisor().restarts())
        .as("restarts of PostgreSQL")
        .isEqualTo(restarts + 1);
    assertThat(postgres.postmasterPid()).isPresent().get().isNotEqualTo(killed[0]);
    assertThat(Files.readString(work.resolve("postgres.log")))
        .contains("database system was interrupted");
  }

  /**
   * The analytics database refuses writes until the verdict has named it (the job's role made
   * read-only and its sessions cut, so that they reconnect read-only, as after a failover to a
   * standby): the job, restarting with backoff, keeps its batches and commits them once writes are
   * allowed again.
   */
  @Test
  @Order(7)
  void theAnalyticsDatabaseRefusingWrites() throws Exception {
    String writer = LocalCredentials.WRITER;
    fault(
        new Fault(
            "analytics database read-only",
            failing(Stage.PROCESSING).and(v -> v.ready().message().contains("read-only")),
            true,
            () ->
                superuser(
                    "ALTER ROLE " + writer + " SET default_transaction_read_only = on",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"
                        + writer
                        + "'"),
            () -> superuser("ALTER ROLE " + writer + " RESET default_transaction_read_only")));
    assertNoResultRefused();
  }

  /**
   * The analytics database out of space until the verdict has named it: the analytics tables are
   * moved to a tablespace on a small filesystem of their own, which is then filled up, so that
   * PostgreSQL cannot extend their files ("No space left on device", SQLSTATE 53100) when a
   * thousand new customers pay. Mounting the filesystem needs root (as CI runs); elsewhere this
   * fault is skipped, visibly, and its row in the table says why.
   */
  @Test
  @Order(8)
  void theAnalyticsDatabaseOutOfSpace() throws Exception {
    Path disk = work.resolve("small-disk");
    Files.createDirectories(disk);
    Process mount =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(mount.getInputStream().readAllBytes()).strip();
    if (mount.waitFor() != 0) {
      TABLE.add(
          String.format(
              Locale.ROOT,
              "%-44s skipped: mount said %s",
              "analytics database out of space",
              said));
    }
    Assumptions.assumeTrue(
        mount.exitValue() == 0, "a small filesystem for the analytics tables: mount said " + said);
    List<String> tables =
        List.of(
            "analytics.status_totals",
            "analytics.category_revenue_minute",
            "analytics.customer_value");
    Path ballast = disk.resolve("ballast");
    try {
      Path space = disk.resolve("tablespace");
      Files.createDirectories(space);
      superuser("CREATE TABLESPACE small_disk LOCATION '" + space + "'");
      for (String table : tables) {
        superuser("ALTER TABLE " + table + " SET TABLESPACE small_disk");
      }
      fault(
          new Fault(
              "analytics database out of space",
              failing(Stage.PROCESSING)
                  .and(v -> v.ready().message().contains("No space left on device")),
              true,
              () -> {
                fill(ballast);
                // A thousand new paying customers: the tables must grow, whatever room is left.
                superuser(
                    "INSERT INTO shop.customers (id, name, email, country, created_at)"
                        + " SELECT g, 'bulk ' || g, 'bulk' || g || '@example.com', 'NL', now()"
                        + " FROM generate_series((SELECT max(id) FROM shop.customers) + 1,"
                        + " (SELECT max(id) FROM shop.customers) + 1000) g",
                    "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount,"
                        + " status, created_at) SELECT o + c.id, c.id,"
                        + " (SELECT min(id) FROM shop.products), 1, 10.00, 'PAID', now()"
                        + " FROM shop.customers c, (SELECT max(id) AS o FROM shop.orders) m"
                        + " WHERE c.name LIKE 'bulk %'");
              },
              () -> Files.deleteIfExists(ballast)));
      assertNoResultRefused();
    } finally {
      Files.deleteIfExists(ballast);
      for (String table : tables) {
        superuser("ALTER TABLE IF EXISTS " + table + " SET TABLESPACE pg_default");
      }
      superuser("DROP TABLESPACE IF EXISTS small_disk");
      new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
    }
  }

  /**
   * A replication slot PostgreSQL invalidates (more WAL behind it than max_slot_wal_keep_size, with
   * capture paused) heals by itself: the verdict names it, the launcher re-snapshots, and the rows
   * deleted, changed and added while nothing was captured all end in the analytics exactly.
   */
  @Test
  @Order(9)
  void aReplicationSlotLost() throws Exception {
    SlotRecovery recovery = pipeline.slotRecovery();
    int recoveries = recovery.recoveries();
    fault(
        Fault.crash(
            "replication slot lost (max_slot_wal_keep_size)",
            failing(Stage.SOURCE).and(v -> v.ready().reason() == Reason.WAL_LOST),
            true,
            () -> loseTheSlot(recovery, recoveries)));
    assertThat(recovery.recoveries()).as("re-snapshots started").isEqualTo(recoveries + 1);
    assertThat(Files.readString(work.resolve("flink.log")))
        .as("the job retracted what the lost slot had sent")
        .contains("a new snapshot supersedes every row version before LSN");
  }

  /**
   * With capture paused and max_slot_wal_keep_size at 16 MB: orders deleted (the snapshot has no
   * trace of them) and changed, then WAL well past what the slot may hold, in a table outside the
   * publication, until PostgreSQL invalidates the slot (or the launcher has already healed it).
   */
  private static void loseTheSlot(SlotRecovery recovery, int recoveries) throws Exception {
    superuser("ALTER SYSTEM SET max_slot_wal_keep_size = '16MB'", "SELECT pg_reload_conf()");
    try {
      pipeline.connect().control(LocalPipeline.CONNECTOR, "pause");
      superuser(
          "DELETE FROM shop.orders WHERE id IN (SELECT id FROM shop.orders ORDER BY id LIMIT 150)",
          "UPDATE shop.orders SET status = 'CANCELLED' WHERE id IN"
              + " (SELECT id FROM shop.orders ORDER BY id DESC LIMIT 40)",
          "CREATE TABLE public.slot_ballast AS"
              + " SELECT g, md5(g::text) AS pad FROM generate_series(1, 700000) g",
          "DROP TABLE public.slot_ballast");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      String status = "";
      while (!status.equals("lost")
          && recovery.recoveries() == recoveries
          && System.nanoTime() < deadline) {
        superuser("SELECT pg_switch_wal()", "CHECKPOINT");
        try (Connection db = pipeline.postgres().superuserConnection()) {
          status = LostSlot.walStatus(db, "cdc_debezium").orElse("missing");
        }
        TimeUnit.MILLISECONDS.sleep(500);
      }
    } finally {
      superuser("ALTER SYSTEM RESET max_slot_wal_keep_size", "SELECT pg_reload_conf()");
    }
  }

  /**
   * What the fault does, and what ends it: {@code repair} runs once the verdict has named the fault
   * (a crash has none: its supervisor or the launcher heals it).
   */
  private record Fault(
      String name, Predicate<Verdict> names, boolean mustShow, Step inject, Step repair) {

    static Fault crash(String name, Predicate<Verdict> names, boolean mustShow, Step inject) {
      return new Fault(name, names, mustShow, inject, null);
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  /** The condition of the stage a verdict blames. */
  private static io.cdcplatform.health.Condition failed(Verdict verdict) {
    return verdict.condition(verdict.failingStage().orElseThrow());
  }

  /** A verdict whose failing stage is {@code stage}. */
  private static Predicate<Verdict> failing(Stage stage) {
    return v -> v.failingStage().filter(stage::equals).isPresent();
  }

  private static void assertNoResultRefused() throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery(
                "SELECT count(*) FROM analytics.unapplied WHERE kind = 'result-not-stored'")) {
      rs.next();
      assertThat(rs.getLong(1))
          .as("a database that refuses every write is not a group a table refuses")
          .isZero();
    }
  }

  /** Writes zeros into {@code file} until its filesystem has no room left. */
  private static void fill(Path file) throws Exception {
    byte[] block = new byte[64 * 1024];
    try (var out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (java.io.IOException full) {
      assertThat(full.getMessage()).as("why writing stopped").containsIgnoringCase("space");
    }
  }

  private static void superuser(String... statements) throws Exception {
    TestPipelines.superuser(pipeline, statements);
  }

  private static void fault(Fault fault) throws Exception {
    String name = fault.name();
    List<Oracles.Oracle> oracles = AnalyticsPipelineIT.oracles();
    assertThat(TestPipelines.converge(pipeline, oracles, Duration.ofSeconds(180)))
        .as("equal to the oracles before " + name)
        .allMatch(Oracles.Comparison::equal);
    TestPipelines.awaitVerdict(
        pipeline.health(),
        Instant.now(),
        "Ready",
        v -> v.ready().isTrue(),
        Duration.ofSeconds(120));

    ExecutorService writers = Executors.newFixedThreadPool(2);
    CompletableFuture<IngestReport> writes =
        CompletableFuture.supplyAsync(() -> workload(1_500, 250), writers);
    TimeUnit.SECONDS.sleep(2);
    largeTransaction();
    // Detection and recovery are timed from the crash; the workload goes on for about 4 s more.
    Instant since = Instant.now();
    long began = System.nanoTime();
    fault.inject().run();
    // A fault that lasts until it is named: the verdict that named it is kept, since a new message
    // under a reason already shown is in the latest verdict only, not among the changes.
    Optional<HealthMonitor.Judged> seen = Optional.empty();
    if (fault.repair() != null) {
      try {
        seen =
            Optional.of(
                TestPipelines.awaitChange(
                    pipeline.health(), since, fault.names(), Duration.ofSeconds(90)));
      } finally {
        fault.repair().run();
      }
    }
    IngestReport written = writes.get(180, TimeUnit.SECONDS);
    writers.shutdown();

    List<Oracles.Comparison> comparisons =
        TestPipelines.converge(pipeline, oracles, Duration.ofSeconds(240));
    double recovered = (System.nanoTime() - began) / 1e9;
    // Every verdict change since the crash is kept: the first one blaming the stage.
    Optional<HealthMonitor.Judged> named =
        seen.isPresent()
            ? seen
            : TestPipelines.firstChange(pipeline.health(), since, fault.names());
    boolean equal = comparisons.stream().allMatch(Oracles.Comparison::equal);
    long[] counted = orderCounts();
    long lost = Math.max(0, counted[0] - counted[1]);
    long duplicates = Math.max(0, counted[1] - counted[0]);
    TABLE.add(
        String.format(
            Locale.ROOT,
            "%-44s %5d %10d %14s %-40s %8.1f s",
            name,
            lost,
            duplicates,
            equal ? "yes" : "NO",
            named
                .map(
                    j ->
                        String.format(
                            Locale.ROOT,
                            "%s %s in %.1f s",
                            failed(j.verdict()).type(),
                            failed(j.verdict()).reason(),
                            Duration.between(since, j.at()).toMillis() / 1000.0))
                .orElse("not named (healed within a look)"),
            recovered));
    System.out.printf(
        Locale.ROOT,
        "fault %s: %d changes written around it; %s%n",
        name,
        written.changes(),
        TABLE);

    assertThat(comparisons)
        .allSatisfy(
            c -> assertThat(c.differing()).as(c.table() + " differs: " + c.samples()).isZero());
    assertThat(lost).as("orders lost").isZero();
    assertThat(duplicates).as("orders counted twice").isZero();
    if (fault.mustShow()) {
      assertThat(named).as(name + ": the verdict named it").isPresent();
      assertThat(Duration.between(since, named.get().at()))
          .as(name + ": time to detect")
          .isLessThanOrEqualTo(DETECTION_LIMIT.plusSeconds(2));
    }
    TestPipelines.awaitVerdict(
        pipeline.health(),
        Instant.now(),
        "Ready again",
        v -> v.ready().isTrue(),
        Duration.ofSeconds(120));
  }

  /** A kill -9 from outside: the supervisor sees a crash and starts the process again. */
  private static void kill(SupervisedChild child) {
    ProcessHandle.of(child.pid()).ifPresent(ProcessHandle::destroyForcibly);
  }

  /**
   * One transaction of 20,000 new orders of a customer and a product it creates too, all with ids
   * far above the workload's (whose model, loaded before, never touches them).
   */
  private static void largeTransaction() throws Exception {
    try (Connection db = owner();
        Statement sql = db.createStatement()) {
      db.setAutoCommit(false);
      long base;
      try (ResultSet rs =
          sql.executeQuery(
              "SELECT greatest((SELECT coalesce(max(id), 0) FROM shop.orders),"
                  + " (SELECT coalesce(max(id), 0) FROM shop.customers),"
                  + " (SELECT coalesce(max(id), 0) FROM shop.products)) + 1000000")) {
        rs.next();
        base = rs.getLong(1);
      }
      sql.execute(
          "INSERT INTO shop.customers (id, name, email, country, created_at) VALUES ("
              + base
              + ", 'bulk buyer', 'bulk@example.com', 'NL', now())");
      sql.execute(
          "INSERT INTO shop.products (id, name, category, price) VALUES ("
              + base
              + ", 'bulk item', 'bulk', 5.00)");
      sql.execute(
          "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
              + " created_at) SELECT "
              + base
              + " + g, "
              + base
              + ", "
              + base
              + ", 1 + g % 3, 5.00 + g % 50, 'PAID', now() FROM generate_series(1, "
              + LARGE_TRANSACTION
              + ") g");
      db.commit();
    }
  }

  /** The orders the source holds, and those {@code status_totals} counts. */
  private static long[] orderCounts() throws Exception {
    try (Connection db = pipeline.postgres().superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery(
                "SELECT (SELECT count(*) FROM shop.orders),"
                    + " (SELECT coalesce(sum(order_count), 0) FROM analytics.status_totals)")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  /**
   * Writes {@code changes} at {@code rate}; when the database goes away under it (PostgreSQL
   * killed), it connects again and writes them all again, as a client retries, for up to a minute.
   */
  private static IngestReport workload(long changes, double rate) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (Connection db = owner()) {
        WorkloadShape shape = WorkloadShape.defaults().withTransactionSize(1, 8);
        return new WorkloadRunner(
                db,
                new WorkloadGenerator(
                    shape, System.nanoTime(), ShopModel.load(db), Clock.systemUTC()),
                new WorkloadRunner.Limits(rate, changes, null),
                Duration.ofSeconds(60),
                new PrintStream(new ByteArrayOutputStream()))
            .run(() -> false);
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the workload could not write for a minute", e);
        }
        try {
          TimeUnit.MILLISECONDS.sleep(500);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(interrupted);
        }
      }
    }
  }

  private static Connection owner() throws Exception {
    return DriverManager.getConnection(
        pipeline.postgres().jdbcUrl(), LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
  }
}
