package io.cdcplatform.local;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * An example's workload: its {@code workload.sql}, one transaction, committed again and again at a
 * steady rate, in a thread of the launcher. A failed transaction is rolled back and reported, and
 * the next one goes on.
 */
final class SqlWorkload implements AutoCloseable {

  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final String sql;
  private volatile boolean running;
  private Thread thread;
  private long committed;
  private long failed;

  SqlWorkload(String jdbcUrl, String user, String password, String sql) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.sql = sql;
  }

  /** Commits the workload {@code transactions} times at {@code perSecond}; returns when done. */
  long run(long transactions, double perSecond) throws SQLException, InterruptedException {
    running = true;
    return loop(transactions, perSecond, null);
  }

  /** Runs the workload in the background until {@link #close()}, reporting every 10 s. */
  void start(double perSecond, PrintStream out) {
    running = true;
    thread =
        new Thread(
            () -> {
              try {
                loop(Long.MAX_VALUE, perSecond, out);
              } catch (SQLException e) {
                out.println("[workload] stopped: " + e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "sql-workload");
    thread.setDaemon(true);
    thread.start();
  }

  private long loop(long transactions, double perSecond, PrintStream out)
      throws SQLException, InterruptedException {
    long intervalNanos = (long) (TimeUnit.SECONDS.toNanos(1) / perSecond);
    long started = System.nanoTime();
    long next = started;
    long reported = started;
    try (Connection db = DriverManager.getConnection(jdbcUrl, user, password);
        Statement statement = db.createStatement()) {
      db.setAutoCommit(false);
      for (long i = 0; i < transactions && running; i++) {
        try {
          statement.execute(sql);
          db.commit();
          committed++;
        } catch (SQLException e) {
          db.rollback();
          failed++;
          if (out != null && failed <= 3) {
            out.println("[workload] transaction rolled back: " + e.getMessage());
          }
        }
        next += intervalNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        if (out != null && System.nanoTime() - reported >= TimeUnit.SECONDS.toNanos(10)) {
          reported = System.nanoTime();
          out.printf(
              Locale.ROOT,
              "[workload] %.1fs: %d transactions committed, %d rolled back%n",
              (reported - started) / 1e9,
              committed,
              failed);
        }
      }
    }
    return committed;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    if (thread != null) {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }
}
