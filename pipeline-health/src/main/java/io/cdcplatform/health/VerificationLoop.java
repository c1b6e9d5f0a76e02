package io.cdcplatform.health;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs {@link ContinuousVerifier} rounds one after the other, a fixed pause between the end of one
 * and the start of the next, on a daemon thread of its own. A round is one line when its outcome is
 * not the previous round's, and every differing round is: a run of equal rounds shows as its first.
 * A round that fails (the database is down, a privilege is missing) is one line too, repeated only
 * when the reason changes; the next round tries again.
 */
public final class VerificationLoop implements AutoCloseable {

  private final ContinuousVerifier verifier;
  private final Consumer<String> log;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "continuous-verification");
            thread.setDaemon(true);
            return thread;
          });
  private String lastProblem;
  private ContinuousVerifier.Round last;
  private int rounds;

  public VerificationLoop(ContinuousVerifier verifier, Consumer<String> log) {
    this.verifier = verifier;
    this.log = log;
  }

  /** Starts the rounds: the first after one pause, so the pipeline has started. */
  public VerificationLoop start(Duration pause) {
    if (pause.isNegative() || pause.isZero()) {
      throw new IllegalArgumentException(
          "continuous verification: expected a positive pause between rounds, got " + pause);
    }
    scheduler.scheduleWithFixedDelay(
        this::roundQuietly, pause.toMillis(), pause.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** The newest round recorded, if any. */
  public synchronized Optional<ContinuousVerifier.Round> last() {
    return Optional.ofNullable(last);
  }

  /** Why the newest round failed; empty when it did not. */
  public synchronized Optional<String> problem() {
    return Optional.ofNullable(lastProblem);
  }

  /** How many rounds were recorded. */
  public synchronized int rounds() {
    return rounds;
  }

  private void roundQuietly() {
    try {
      Optional<ContinuousVerifier.Round> round = verifier.verify();
      boolean news = false;
      synchronized (this) {
        lastProblem = null;
        if (round.isPresent()) {
          news =
              last == null
                  || last.outcome() != round.get().outcome()
                  || round.get().outcome() == ContinuousVerifier.Outcome.DIFFERING;
          last = round.get();
          rounds++;
        }
      }
      if (news) {
        log.accept(describe(round.get()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      String problem = String.valueOf(e.getMessage());
      boolean changed;
      synchronized (this) {
        changed = !problem.equals(lastProblem);
        lastProblem = problem;
      }
      if (changed) {
        log.accept("verification: round failed, tried again in the next one: " + problem);
      }
    }
  }

  /** One line for a round. */
  static String describe(ContinuousVerifier.Round round) {
    String head =
        String.format(
            Locale.ROOT,
            "verification: round %d %s at LSN %s",
            round.round(),
            round.outcome().label(),
            round.snapshotLsn());
    return switch (round.outcome()) {
      case EQUAL ->
          head
              + String.format(
                  Locale.ROOT,
                  ", through transaction %d: %d tables equal to their oracles",
                  round.txId(),
                  round.tablesCompared());
      case DIFFERING ->
          head
              + String.format(
                  Locale.ROOT,
                  ", through transaction %d: %d of %d tables differ: %s",
                  round.txId(),
                  round.tablesDiffering(),
                  round.tablesCompared(),
                  round.detail().replace('\n', ' '));
      case INCONCLUSIVE, MISSED -> head + ": " + round.detail();
    };
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
