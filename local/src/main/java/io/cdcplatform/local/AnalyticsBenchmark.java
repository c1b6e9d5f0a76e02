package io.cdcplatform.local;

import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.WorkloadGenerator;
import io.cdcplatform.ingest.WorkloadRunner;
import io.cdcplatform.ingest.WorkloadShape;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Measures end-to-end latency, from a source commit to the analytics row visible in PostgreSQL,
 * while the ingest job writes at fixed rates: a probe order's amount is changed every 200 ms and
 * its customer's row in {@code analytics.customer_value} is polled until it shows the new amount.
 */
public final class AnalyticsBenchmark {

  private static final long PROBE = 9_000_000_001L;

  private AnalyticsBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    PrintStream out = System.out;
    Path work = Files.createTempDirectory("analytics-bench");
    LocalPipeline pipeline = new LocalPipeline();
    new CommandLine(pipeline)
        .parseArgs("--work-dir", work.toString(), "--no-ingest", "--home", ".");
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      if (pipeline.start() == null) {
        System.setOut(out);
        out.println("the pipeline did not start; see " + work);
        System.exit(1);
      }
      ShopModel model;
      try (Connection db = owner(pipeline)) {
        model = ShopModel.load(db);
        insertProbe(db);
      }
      for (int rate : new int[] {500, 1000}) {
        out.println(measure(pipeline, model, rate, Duration.ofSeconds(seconds)));
      }
      out.printf(
          Locale.ROOT,
          "analytics: memory (PSS) of the whole stack %s%n",
          StackMemory.describe(StackMemory.of(pipeline)));
    } finally {
      pipeline.stopAll();
      System.setOut(out);
    }
  }

  private static String measure(
      LocalPipeline pipeline, ShopModel model, int rate, Duration duration) throws Exception {
    CompletableFuture<IngestReport> load =
        CompletableFuture.supplyAsync(
            () -> {
              try (Connection db = owner(pipeline)) {
                return new WorkloadRunner(
                        db,
                        new WorkloadGenerator(
                            WorkloadShape.defaults(), rate, model, Clock.systemUTC()),
                        new WorkloadRunner.Limits(rate, null, duration),
                        duration.plusSeconds(1),
                        new PrintStream(OutputStream.nullOutputStream()))
                    .run(() -> false);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    List<Double> latencies = new ArrayList<>();
    List<Double> toKafka = new ArrayList<>();
    int missed = 0;
    ProbeWatcher watcher = new ProbeWatcher(pipeline.kafka().bootstrapServers(), PROBE);
    try (Connection writer = owner(pipeline);
        Connection reader = owner(pipeline);
        PreparedStatement update =
            writer.prepareStatement("UPDATE shop.orders SET amount = ? WHERE id = ?");
        PreparedStatement read =
            reader.prepareStatement(
                "SELECT paid_amount FROM analytics.customer_value WHERE customer_id = ?")) {
      read.setLong(1, PROBE);
      long cents = 100;
      TimeUnit.SECONDS.sleep(2);
      while (!load.isDone()) {
        BigDecimal amount = BigDecimal.valueOf(++cents, 2);
        update.setBigDecimal(1, amount);
        update.setLong(2, PROBE);
        update.executeUpdate();
        long committed = System.nanoTime();
        long deadline = committed + TimeUnit.SECONDS.toNanos(30);
        boolean seen = false;
        while (!seen && System.nanoTime() < deadline) {
          try (ResultSet rs = read.executeQuery()) {
            seen = rs.next() && rs.getBigDecimal(1).compareTo(amount) == 0;
          }
          if (!seen) {
            TimeUnit.MILLISECONDS.sleep(5);
          }
        }
        if (seen) {
          latencies.add((System.nanoTime() - committed) / 1e6);
          Long arrived = watcher.arrival(amount.toPlainString());
          if (arrived != null) {
            toKafka.add((arrived - committed) / 1e6);
          }
        } else {
          missed++;
        }
        TimeUnit.MILLISECONDS.sleep(200);
      }
    }
    watcher.close();
    IngestReport report = load.get();
    Collections.sort(latencies);
    Collections.sort(toKafka);
    return String.format(
        Locale.ROOT,
        "analytics at %d changes/s (achieved %.0f/s for %ds): commit to analytics row, %d probes:"
            + " p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; of which commit to Kafka"
            + " (Debezium) p50 %.0f ms, p99 %.0f ms%s",
        rate,
        report.changes() / (double) duration.toSeconds(),
        duration.toSeconds(),
        latencies.size(),
        percentile(latencies, 0.50),
        percentile(latencies, 0.90),
        percentile(latencies, 0.99),
        latencies.isEmpty() ? Double.NaN : latencies.getLast(),
        percentile(toKafka, 0.50),
        percentile(toKafka, 0.99),
        missed == 0 ? "" : "; " + missed + " probes not seen within 30 s");
  }

  private static double percentile(List<Double> sorted, double quantile) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1));
  }

  private static void insertProbe(Connection db) throws Exception {
    try (Statement sql = db.createStatement()) {
      sql.execute(
          "INSERT INTO shop.customers (id, name, email, country, created_at) VALUES ("
              + PROBE
              + ", 'Probe', 'probe@example.com', 'DE', now())");
      sql.execute(
          "INSERT INTO shop.products (id, name, category, price) VALUES ("
              + PROBE
              + ", 'Probe', 'books', 1.00)");
      sql.execute(
          "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
              + " created_at) VALUES ("
              + PROBE
              + ", "
              + PROBE
              + ", "
              + PROBE
              + ", 1, 1.00, 'PAID', now())");
    }
  }

  private static Connection owner(LocalPipeline pipeline) throws Exception {
    return DriverManager.getConnection(
        pipeline.postgres().jdbcUrl(), LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
  }
}
