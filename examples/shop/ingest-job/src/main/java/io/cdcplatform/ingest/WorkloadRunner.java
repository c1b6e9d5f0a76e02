package io.cdcplatform.ingest;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Writes the generator's transactions to PostgreSQL at a target rate until a total, a duration or a
 * stop request ends the run, printing a progress line at a fixed interval. A stop request is
 * honoured between transactions, so the open transaction always commits before the run ends.
 */
public final class WorkloadRunner {

  /** When a run ends; a null total or duration means no such limit. */
  public record Limits(double changesPerSecond, Long totalChanges, Duration duration) {
    public Limits {
      if (!(changesPerSecond > 0)) {
        throw new IllegalArgumentException("rate must be positive, got " + changesPerSecond);
      }
    }

    /** No limit but the rate. */
    public static Limits unbounded(double changesPerSecond) {
      return new Limits(changesPerSecond, null, null);
    }
  }

  private static final long MAX_CATCH_UP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Connection connection;
  private final WorkloadGenerator generator;
  private final Limits limits;
  private final Duration progressInterval;
  private final PrintStream out;
  private final LongSupplier nanoTime;
  private final IngestReport report = new IngestReport();

  public WorkloadRunner(
      Connection connection,
      WorkloadGenerator generator,
      Limits limits,
      Duration progressInterval,
      PrintStream out) {
    this(connection, generator, limits, progressInterval, out, System::nanoTime);
  }

  WorkloadRunner(
      Connection connection,
      WorkloadGenerator generator,
      Limits limits,
      Duration progressInterval,
      PrintStream out,
      LongSupplier nanoTime) {
    this.connection = connection;
    this.generator = generator;
    this.limits = limits;
    this.progressInterval = progressInterval;
    this.out = out;
    this.nanoTime = nanoTime;
  }

  /** The committed totals so far; safe to read from another thread while the run goes on. */
  public IngestReport report() {
    return report;
  }

  /**
   * Runs until a limit is reached or {@code stopRequested} turns true.
   *
   * @throws SQLException when a transaction fails; it is rolled back first
   */
  public IngestReport run(BooleanSupplier stopRequested) throws SQLException, InterruptedException {
    connection.setAutoCommit(false);
    long total = limits.totalChanges() == null ? Long.MAX_VALUE : limits.totalChanges();
    long start = nanoTime.getAsLong();
    long deadline =
        limits.duration() == null ? Long.MAX_VALUE : start + limits.duration().toNanos();
    long progressNanos = progressInterval.toNanos();
    long nextProgress = start + progressNanos;
    long lastProgressChanges = 0;
    long lastProgressAt = start;
    double due = start;
    try (OperationWriter writer = new OperationWriter(connection)) {
      while (!stopRequested.getAsBoolean()
          && report.changes() < total
          && nanoTime.getAsLong() < deadline) {
        List<Operation> transaction = generator.nextTransaction(total - report.changes());
        commit(writer, transaction);
        if (Double.isFinite(limits.changesPerSecond())) {
          int changes = transaction.stream().mapToInt(Operation::rowChanges).sum();
          due = Math.max(due, nanoTime.getAsLong() - MAX_CATCH_UP_NANOS);
          due += changes * 1e9 / limits.changesPerSecond();
          pauseUntil((long) due, deadline, stopRequested);
        }
        long now = nanoTime.getAsLong();
        if (now >= nextProgress) {
          printProgress(now - start, report.changes() - lastProgressChanges, now - lastProgressAt);
          lastProgressChanges = report.changes();
          lastProgressAt = now;
          nextProgress = now + progressNanos;
        }
      }
    }
    return report;
  }

  private void commit(OperationWriter writer, List<Operation> transaction) throws SQLException {
    try {
      for (Operation operation : transaction) {
        writer.write(operation);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        connection.rollback();
      } catch (SQLException rollbackFailure) {
        e.addSuppressed(rollbackFailure);
      }
      throw e;
    }
    report.recordCommitted(transaction);
  }

  // Sleeps in short slices so a stop request is seen within 100 ms even at a low rate.
  private void pauseUntil(long due, long deadline, BooleanSupplier stopRequested)
      throws InterruptedException {
    long until = Math.min(due, deadline);
    long left;
    while ((left = until - nanoTime.getAsLong()) > 0 && !stopRequested.getAsBoolean()) {
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  private void printProgress(long elapsedNanos, long intervalChanges, long intervalNanos) {
    double elapsed = elapsedNanos / 1e9;
    out.printf(
        Locale.ROOT,
        "ingest: %.1fs committed %d changes in %d tx (%.1f/s now, %.1f/s overall; %s; %d late"
            + " orders)%n",
        elapsed,
        report.changes(),
        report.transactions(),
        intervalChanges / (intervalNanos / 1e9),
        report.changes() / elapsed,
        report.perTable(),
        report.lateOrders());
  }
}
