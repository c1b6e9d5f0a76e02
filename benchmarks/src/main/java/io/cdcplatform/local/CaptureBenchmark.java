package io.cdcplatform.local;

import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.WorkloadGenerator;
import io.cdcplatform.ingest.WorkloadRunner;
import io.cdcplatform.ingest.WorkloadShape;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;

/**
 * Measures the capture layer on this machine: how long the local pipeline takes to come up, its
 * memory (proportional set size of PostgreSQL, the three brokers and Connect), and how many row
 * changes per second reach Kafka when the ingest job writes at full speed.
 */
public final class CaptureBenchmark {

  /** The shop's change topics. */
  static final List<String> DATA_TOPICS =
      List.of("cdc.shop.customers", "cdc.shop.products", "cdc.shop.orders");

  private CaptureBenchmark() {}

  public static void main(String[] args) throws Exception {
    Benchmarks.run("capture-benchmark", () -> benchmark(args));
  }

  private static void benchmark(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    int seconds = Benchmarks.seconds(args);
    Path work = Files.createTempDirectory("capture-bench");
    LocalPipeline pipeline = new LocalPipeline();
    new CommandLine(pipeline)
        .parseArgs("--work-dir", work.toString(), "--no-ingest", "--no-analytics", "--home", ".");
    PrintStream out = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    long start = System.nanoTime();
    if (pipeline.start() == null) {
      System.setOut(out);
      out.println("the pipeline did not start; see " + work);
      System.exit(1);
    }
    double startup = (System.nanoTime() - start) / 1e9;
    System.setOut(out);
    try (Admin admin = LocalKafkaCluster.admin(pipeline.kafka().bootstrapServers())) {
      StatusLine offsets = new StatusLine(admin, DATA_TOPICS);
      long before = total(offsets.endOffsets());
      IngestReport report = writeAtFullSpeed(pipeline, Duration.ofSeconds(seconds));
      long writeEnd = System.nanoTime();
      long expected = records(report);
      long delivered = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (delivered < expected && System.nanoTime() < deadline) {
        delivered = total(offsets.endOffsets()) - before;
        TimeUnit.MILLISECONDS.sleep(100);
      }
      double drain = (System.nanoTime() - writeEnd) / 1e9;
      double captureSeconds = seconds + drain;
      out.printf(
          Locale.ROOT,
          "capture: local pipeline up in %.1fs (PostgreSQL, 3 brokers, Connect, connector RUNNING)%n",
          startup);
      out.printf(
          Locale.ROOT,
          "capture: memory (PSS) %s%n",
          StackMemory.describe(StackMemory.of(pipeline)));
      out.printf(
          Locale.ROOT,
          "capture: %d changes committed in %ds (%.0f/s, transactions of 10); all in Kafka %.1fs"
              + " after the last commit: %.0f changes/s from commit to Kafka%n",
          report.changes(),
          seconds,
          report.changes() / (double) seconds,
          drain,
          report.changes() / captureSeconds);
    } finally {
      System.setOut(new PrintStream(OutputStream.nullOutputStream()));
      pipeline.stopAll();
    }
  }

  /** Records the written changes become in the change topics: a delete adds a tombstone. */
  static long records(IngestReport report) {
    return report.changes()
        + report.count(IngestReport.Table.ORDERS, IngestReport.Action.DELETE)
        + report.count(IngestReport.Table.CUSTOMERS, IngestReport.Action.DELETE);
  }

  static IngestReport writeAtFullSpeed(LocalPipeline pipeline, Duration duration) throws Exception {
    return writeAtFullSpeed(pipeline, duration, null);
  }

  /**
   * The same, over the given model of the shop (rows the writer may pick), or the shop as it is now
   * when {@code null}.
   */
  static IngestReport writeAtFullSpeed(LocalPipeline pipeline, Duration duration, ShopModel model)
      throws Exception {
    try (Connection db =
        DriverManager.getConnection(
            pipeline.postgres().jdbcUrl(),
            LocalCredentials.OWNER,
            LocalCredentials.OWNER_PASSWORD)) {
      WorkloadShape shape = WorkloadShape.defaults().withTransactionSize(10, 10);
      return new WorkloadRunner(
              db,
              new WorkloadGenerator(
                  shape, 1, model == null ? ShopModel.load(db) : model, Clock.systemUTC()),
              new WorkloadRunner.Limits(Double.POSITIVE_INFINITY, null, duration),
              duration.plusSeconds(1),
              new PrintStream(OutputStream.nullOutputStream()))
          .run(() -> false);
    }
  }

  /** The sum of a set of end offsets. */
  static long total(Map<String, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }
}
