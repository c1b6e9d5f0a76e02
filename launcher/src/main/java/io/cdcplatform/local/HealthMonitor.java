package io.cdcplatform.local;

import io.cdcplatform.health.HealthEvaluator;
import io.cdcplatform.health.PipelineProbes;
import io.cdcplatform.health.PipelineSnapshot;
import io.cdcplatform.health.Slo;
import io.cdcplatform.health.Verdict;
import io.cdcplatform.health.VerdictDocument;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes the local pipeline at a fixed interval and judges it with the same evaluation the
 * reconciler uses; keeps the latest verdict and every change of it, printing each change.
 */
final class HealthMonitor implements AutoCloseable {

  /** A verdict and when it was reached. */
  record Judged(Instant at, Verdict verdict) {}

  private final PipelineProbes probes;
  private final Slo slo;
  private final Clock clock;
  private final PrintStream out;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().daemon().name("health-monitor").unstarted(runnable));
  private final List<Judged> changes = new ArrayList<>();
  private Judged latest;

  HealthMonitor(PipelineProbes probes, Slo slo, Clock clock, PrintStream out) {
    this.probes = probes;
    this.slo = slo;
    this.clock = clock;
    this.out = out;
  }

  /** Judges once now, then every {@code interval}. */
  HealthMonitor start(Duration interval) {
    judge();
    scheduler.scheduleWithFixedDelay(
        this::judgeQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Probes every stage and evaluates them: one look. */
  Judged judge() {
    PipelineSnapshot snapshot = probes.snapshot(slo);
    Instant now = clock.instant();
    Judged judged = new Judged(now, HealthEvaluator.evaluate(snapshot, now));
    boolean changed;
    synchronized (this) {
      changed = latest == null || !sameConditions(latest.verdict(), judged.verdict());
      latest = judged;
      if (changed) {
        changes.add(judged);
      }
    }
    if (changed) {
      out.println("health: " + VerdictDocument.line(judged.verdict()));
    }
    return judged;
  }

  private void judgeQuietly() {
    try {
      judge();
    } catch (RuntimeException e) {
      out.println("health: evaluation failed: " + e.getMessage());
    }
  }

  /** The newest verdict. */
  synchronized Judged latest() {
    return latest;
  }

  /** Every verdict that differed from the one before, oldest first. */
  synchronized List<Judged> changes() {
    return List.copyOf(changes);
  }

  // Statuses and reasons, not messages: a message carries figures that move on every look.
  private static boolean sameConditions(Verdict a, Verdict b) {
    if (a.conditions().size() != b.conditions().size()) {
      return false;
    }
    for (int i = 0; i < a.conditions().size(); i++) {
      var left = a.conditions().get(i);
      var right = b.conditions().get(i);
      if (left.status() != right.status() || left.reason() != right.reason()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    probes.close();
  }
}
