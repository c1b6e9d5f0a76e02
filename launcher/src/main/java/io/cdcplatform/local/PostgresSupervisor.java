package io.cdcplatform.local;

import io.cdcplatform.devservices.LocalPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the local PostgreSQL server running as {@link SupervisedChild} keeps the other stages: the
 * server is a daemon the launcher did not fork, so it is watched through its lock file's pid, once
 * a second. When the postmaster is gone (a crash, a {@code kill -9}) and the pipeline is not
 * stopping, the server is started again on the same data directory; a failed attempt is retried
 * after a backoff that doubles up to 30 s. Crash recovery keeps every acknowledged commit, and the
 * replication slot resumes from its confirmed position, so capture loses nothing.
 */
final class PostgresSupervisor implements AutoCloseable {

  private static final Duration CHECK = Duration.ofSeconds(1);

  private final LocalPostgres postgres;
  private final PrintStream out;
  private final ScheduledExecutorService watcher =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().daemon().name("postgres-supervisor").unstarted(runnable));
  private Duration backoff = SupervisedChild.FIRST_BACKOFF;
  private long nextAttempt;
  private long downSince;
  private volatile int restarts;
  private volatile boolean stopping;

  private PostgresSupervisor(LocalPostgres postgres, PrintStream out) {
    this.postgres = postgres;
    this.out = out;
  }

  /** Starts watching the running server. */
  static PostgresSupervisor watch(LocalPostgres postgres, PrintStream out) {
    PostgresSupervisor supervisor = new PostgresSupervisor(postgres, out);
    supervisor.watcher.scheduleWithFixedDelay(
        supervisor::check, CHECK.toMillis(), CHECK.toMillis(), TimeUnit.MILLISECONDS);
    return supervisor;
  }

  /** How many times the server was started again after its postmaster died. */
  int restarts() {
    return restarts;
  }

  private void check() {
    if (stopping || postgres.isRunning()) {
      return;
    }
    long now = System.nanoTime();
    if (downSince == 0) {
      downSince = now;
      out.printf(
          "[postgres] the server is gone (postmaster %s); starting it again on its data"
              + " directory%n",
          postgres.postmasterPid().map(String::valueOf).orElse("without a lock file"));
    }
    if (now < nextAttempt) {
      return;
    }
    try {
      long pid = postgres.restart();
      restarts++;
      out.printf(
          Locale.ROOT,
          "[postgres] running again (postmaster %d) %.1f s after it was found gone (restart %d)%n",
          pid,
          (System.nanoTime() - downSince) / 1e9,
          restarts);
      downSince = 0;
      backoff = SupervisedChild.FIRST_BACKOFF;
    } catch (IOException | RuntimeException e) {
      if (stopping) {
        return;
      }
      out.printf(
          "[postgres] could not start again: %s; next attempt in %d s%n",
          e.getMessage(), backoff.toSeconds());
      nextAttempt = System.nanoTime() + backoff.toNanos();
      backoff = SupervisedChild.nextBackoff(backoff);
    }
  }

  /** Stops watching, so that stopping the server on purpose is not taken for a crash. */
  @Override
  public void close() {
    stopping = true;
    watcher.shutdownNow();
    try {
      watcher.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
