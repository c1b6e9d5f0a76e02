package io.cdcplatform.local;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.JdbcTarget;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.ShopSchema;
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
import java.util.Locale;

/**
 * Measures the ingest ceiling: row changes per second committed at full speed into a local
 * PostgreSQL 17 as the local pipeline runs it (logical WAL, synchronous commit on, fsync off), with
 * single-operation and batched transactions. Prints one line per case.
 */
public final class IngestBenchmark {

  private IngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    Benchmarks.run("ingest-benchmark", () -> benchmark(args));
  }

  private static void benchmark(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(Benchmarks.seconds(args));
    Path work = Files.createTempDirectory("ingest-bench");
    try (LocalPostgres postgres =
        LocalPostgres.start(0, work.resolve("data"), work.resolve("postgres.log"))) {
      postgres.createOwnerRole(LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
      ShopSchema.migrate(
          JdbcTarget.parse(postgres.jdbcUrl()),
          LocalCredentials.OWNER,
          LocalCredentials.OWNER_PASSWORD);
      System.out.printf(
          Locale.ROOT,
          "ingest ceiling: PostgreSQL 17 on %d cores, %ds per case, one connection%n",
          Runtime.getRuntime().availableProcessors(),
          duration.toSeconds());
      measure(postgres, "single-operation transactions", 1, duration);
      measure(postgres, "transactions of 100 operations", 100, duration);
    }
  }

  private static void measure(LocalPostgres postgres, String label, int txSize, Duration duration)
      throws Exception {
    try (Connection connection =
        DriverManager.getConnection(
            postgres.jdbcUrl(), LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD)) {
      ShopModel model = ShopModel.load(connection);
      WorkloadShape shape = WorkloadShape.defaults().withTransactionSize(txSize, txSize);
      WorkloadRunner runner =
          new WorkloadRunner(
              connection,
              new WorkloadGenerator(shape, 7, model, Clock.systemUTC()),
              new WorkloadRunner.Limits(Double.POSITIVE_INFINITY, null, duration),
              duration.plusSeconds(1),
              new PrintStream(OutputStream.nullOutputStream()));
      long start = System.nanoTime();
      IngestReport report = runner.run(() -> false);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "  %-32s %9.0f changes/s  %8.0f tx/s  (%d changes in %.1fs)%n",
          label,
          report.changes() / seconds,
          report.transactions() / seconds,
          report.changes(),
          seconds);
    }
  }
}
