package io.cdcplatform.operator;

import io.cdcplatform.health.Condition;
import io.cdcplatform.health.Figures;
import io.cdcplatform.health.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The latest verdict of every pipeline as Prometheus gauges, in the text exposition format: one
 * gauge per stage (1 True, 0 False, -1 Unknown), Ready, and the figures behind them; and each
 * verdict as JSON for the dashboard. A pipeline not judged for {@code expireAfter} (deleted, or its
 * reconciler stuck) drops out.
 */
final class PipelineMetrics {

  private record Entry(Instant at, Verdict verdict) {}

  private final Map<String, Entry> latest = new TreeMap<>();
  private final Clock clock;
  private final Duration expireAfter;

  PipelineMetrics(Clock clock, Duration expireAfter) {
    this.clock = clock;
    this.expireAfter = expireAfter;
  }

  synchronized void record(String namespace, String name, Verdict verdict) {
    latest.put(labels(namespace, name), new Entry(clock.instant(), verdict));
  }

  /** The newest verdict of one pipeline as the JSON document make demo serves, if judged. */
  synchronized java.util.Optional<Map<String, Object>> verdict(String namespace, String name) {
    Entry entry = latest.get(labels(namespace, name));
    return entry == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(
            io.cdcplatform.health.VerdictDocument.of(entry.verdict(), entry.at()));
  }

  synchronized String render() {
    Instant oldest = clock.instant().minus(expireAfter);
    latest.values().removeIf(entry -> entry.at().isBefore(oldest));
    StringBuilder out = new StringBuilder();
    gauge(
        out,
        "cdc_pipeline_condition",
        "Each condition of the pipeline's verdict: 1 True, 0 False, -1 Unknown.",
        entry -> {
          StringBuilder lines = new StringBuilder();
          for (Condition condition : entry.getValue().verdict().conditions()) {
            lines.append(
                sample(
                    "cdc_pipeline_condition",
                    entry.getKey() + ",condition=\"" + condition.type() + "\"",
                    switch (condition.status()) {
                      case TRUE -> 1;
                      case FALSE -> 0;
                      case UNKNOWN -> -1;
                    }));
          }
          return lines.toString();
        });
    figure(
        out,
        "cdc_pipeline_freshness_seconds",
        "How far the analytics tables trail the source.",
        f -> seconds(f.freshness()));
    figure(
        out,
        "cdc_pipeline_retained_wal_bytes",
        "WAL the replication slot holds back.",
        f -> f.retainedWalBytes());
    figure(
        out,
        "cdc_pipeline_consumer_lag_records",
        "Records the analytics job is behind its topics.",
        f -> f.consumerLag());
    figure(
        out,
        "cdc_pipeline_checkpoint_age_seconds",
        "Age of the job's newest completed checkpoint.",
        f -> seconds(f.checkpointAge()));
    figure(
        out,
        "cdc_pipeline_unapplied_entries",
        "Changes not applied and results not stored, as the ledger lists them.",
        f -> f.unapplied());
    figure(
        out,
        "cdc_pipeline_verification_tables_differing",
        "Analytics tables the newest continuous verification round found different from their"
            + " oracles.",
        f -> f.tablesDiffering());
    figure(out, "cdc_pipeline_kafka_brokers", "Kafka brokers registered.", f -> f.brokers());
    figure(
        out,
        "cdc_pipeline_connector_running_tasks",
        "Connector tasks in RUNNING state.",
        f -> f.runningTasks());
    return out.toString();
  }

  private void gauge(
      StringBuilder out,
      String name,
      String help,
      Function<Map.Entry<String, Entry>, String> samples) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    for (Map.Entry<String, Entry> entry : latest.entrySet()) {
      out.append(samples.apply(entry));
    }
  }

  private void figure(
      StringBuilder out, String name, String help, Function<Figures, Number> value) {
    gauge(
        out,
        name,
        help,
        entry -> {
          Number number = value.apply(entry.getValue().verdict().figures());
          return number == null ? "" : sample(name, entry.getKey(), number.doubleValue());
        });
  }

  private static String sample(String name, String labels, double value) {
    return name
        + "{"
        + labels
        + "} "
        + (value == Math.rint(value)
            ? String.valueOf((long) value)
            : String.format(Locale.ROOT, "%.3f", value))
        + "\n";
  }

  private static Double seconds(Duration duration) {
    return duration == null ? null : duration.toMillis() / 1000.0;
  }

  private static String labels(String namespace, String name) {
    return "namespace=\"" + escape(namespace) + "\",pipeline=\"" + escape(name) + "\"";
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
