package io.cdcplatform.local;

import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.source.LostSlot;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Heals a replication slot that PostgreSQL invalidated, and reads a table added to the definition:
 * the launcher's part of the re-snapshot (see {@link LostSlot}). Once a second it looks at the slot
 * and the heartbeat row as the capture role; when the slot is lost or a new snapshot is asked, it
 * stops the connector, releases the slot (marks the new snapshot, drops the slot), resets the
 * connector's offsets and resumes it, which creates the slot again and snapshots every captured
 * table. The verdict is judged first, so it names the lost slot ({@code SourceReady WalLost})
 * before anything changes. A step that fails is retried from where it stopped at the next look, and
 * each step is one line on the console.
 */
final class SlotRecovery implements AutoCloseable {

  private enum Step {
    WATCHING,
    RELEASED
  }

  private final String jdbcUrl;
  private final String user;
  private final String password;
  private final PipelineDefinition definition;
  private final String slot;
  private final ConnectWorker connect;
  private final String connector;
  private final PrintStream out;
  private final Runnable judge;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().daemon().name("slot-recovery").unstarted(runnable));
  private Step step = Step.WATCHING;
  private int recoveries;
  private String lastProblem;
  private boolean announced;

  SlotRecovery(
      String jdbcUrl,
      String user,
      String password,
      PipelineDefinition definition,
      String slot,
      ConnectWorker connect,
      String connector,
      PrintStream out,
      Runnable judge) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.definition = definition;
    this.slot = slot;
    this.connect = connect;
    this.connector = connector;
    this.out = out;
    this.judge = judge;
  }

  SlotRecovery start(Duration interval) {
    scheduler.scheduleWithFixedDelay(
        this::lookQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** How many re-snapshots were started. */
  synchronized int recoveries() {
    return recoveries;
  }

  private void lookQuietly() {
    try {
      look();
      lastProblem = null;
    } catch (Exception e) {
      // A problem without a message is named by its class: nothing here may end the schedule.
      String problem = e.getMessage() == null ? e.toString() : e.getMessage();
      if (!problem.equals(lastProblem)) {
        out.println("source: re-snapshot of slot " + slot + " not done yet: " + problem);
        lastProblem = problem;
      }
    } catch (Error e) {
      out.println("source: slot recovery stopped: " + e);
      throw e;
    }
  }

  private void look() throws Exception {
    long started = System.nanoTime();
    if (step == Step.WATCHING) {
      try (Connection db = DriverManager.getConnection(jdbcUrl, user, password)) {
        String why = why(db);
        if (why == null) {
          return;
        }
        if (!announced) {
          announced = true;
          // The verdict names the lost slot before anything is healed.
          judge.run();
          out.println(
              "source: "
                  + why
                  + ": stopping connector "
                  + connector
                  + " to capture again from a new snapshot");
        }
        connect.control(connector, "stop");
        connect.awaitState(connector, "STOPPED", Duration.ofSeconds(60));
        LostSlot.Released released = LostSlot.release(db, definition, slot);
        out.printf(
            Locale.ROOT,
            "source: dropped slot %s%s; the new snapshot supersedes every change before LSN %d%n",
            slot,
            released.sessionEnded() ? " (its session was ended)" : "",
            released.resnapshotLsn());
      }
      step = Step.RELEASED;
    }
    connect.resetOffsets(connector);
    connect.control(connector, "resume");
    synchronized (this) {
      recoveries++;
    }
    step = Step.WATCHING;
    announced = false;
    out.printf(
        Locale.ROOT,
        "source: connector %s resumed without offsets: it creates slot %s and snapshots every"
            + " captured table (%.1f s)%n",
        connector,
        slot,
        (System.nanoTime() - started) / 1e9);
  }

  /** Why capture must start again from a new snapshot, or null when it need not. */
  private String why(Connection db) throws Exception {
    if (LostSlot.walStatus(db, slot).filter("lost"::equals).isPresent()) {
      return "slot " + slot + " lost WAL it still needed (max_slot_wal_keep_size)";
    }
    java.util.OptionalLong asked = LostSlot.requested(db, definition);
    if (asked.isPresent()) {
      return "source-setup added a table to the publication at LSN "
          + asked.getAsLong()
          + " whose earlier rows no change topic carries";
    }
    return null;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
