package io.cdcplatform.health;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdict as a JSON-ready tree of maps and lists, the shape {@code make demo}'s health endpoint
 * and the dashboard serve: {@code ready}, {@code failingStage}, {@code conditions} and {@code
 * figures} (durations in milliseconds, absent figures as null).
 */
public final class VerdictDocument {

  private VerdictDocument() {}

  public static Map<String, Object> of(Verdict verdict, Instant observedAt) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("observedAt", observedAt.toString());
    document.put("ready", verdict.ready().isTrue());
    document.put("failingStage", verdict.failingStage().map(Stage::conditionType).orElse(null));
    List<Map<String, Object>> conditions =
        verdict.conditions().stream()
            .map(
                condition -> {
                  Map<String, Object> entry = new LinkedHashMap<>();
                  entry.put("type", condition.type());
                  entry.put("status", condition.status().toString());
                  entry.put("reason", condition.reason().camelCase());
                  entry.put("message", condition.message());
                  return entry;
                })
            .toList();
    document.put("conditions", conditions);
    Figures figures = verdict.figures();
    Map<String, Object> numbers = new LinkedHashMap<>();
    numbers.put("retainedWalBytes", figures.retainedWalBytes());
    numbers.put("runningTasks", figures.runningTasks());
    numbers.put("brokers", figures.brokers());
    numbers.put("checkpointAgeMs", millis(figures.checkpointAge()));
    numbers.put("consumerLag", figures.consumerLag());
    numbers.put("freshnessMs", millis(figures.freshness()));
    numbers.put("unapplied", figures.unapplied());
    document.put("figures", numbers);
    return document;
  }

  /** One line for a terminal: {@code Ready} or the failing stage, its reason and message. */
  public static String line(Verdict verdict) {
    Condition ready = verdict.ready();
    return ready.isTrue() ? "Ready" : "NOT READY " + ready.reason() + " (" + ready.message() + ")";
  }

  private static Long millis(Duration duration) {
    return duration == null ? null : duration.toMillis();
  }
}
