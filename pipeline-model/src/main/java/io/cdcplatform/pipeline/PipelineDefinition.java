package io.cdcplatform.pipeline;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pipeline as its user declares it: what is captured, which analytics are computed over it, and
 * the analytics job's settings. Read by {@link PipelineDefinitions}; every part of the platform
 * (the job, the launcher, the oracle check, the chart's checks) takes it from there.
 *
 * @param file the definition's file, as given, for messages
 * @param job the analytics job's settings by option name (e.g. {@code checkpoint-interval})
 */
public record PipelineDefinition(
    String name, String file, Source source, List<Analytic> analytics, Map<String, String> job)
    implements Serializable {

  public PipelineDefinition {
    analytics = List.copyOf(analytics);
    job = Map.copyOf(job);
  }

  /** The analytic of this name. */
  public Optional<Analytic> analytic(String name) {
    return analytics.stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /**
   * The Debezium connector settings the definition decides: which tables are captured, the topic
   * prefix, the heartbeat's action query (it rewrites the heartbeat table's one row), and the
   * message key of every table whose key is declared (so that Debezium partitions its changes by
   * that key and sends a key change as a delete and a create).
   */
  public Map<String, String> connectorSettings() {
    Map<String, String> settings = new java.util.LinkedHashMap<>();
    settings.put(
        "table.include.list",
        source.captured().stream()
            .map(t -> t.name().qualified())
            .collect(java.util.stream.Collectors.joining(",")));
    settings.put("topic.prefix", source.topicPrefix());
    settings.put(
        "heartbeat.action.query",
        "INSERT INTO "
            + source.heartbeat().qualified()
            + " (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at ="
            + " EXCLUDED.beat_at");
    String keys =
        source.tables().stream()
            .filter(SourceTable::declaredKey)
            .map(t -> t.name().qualified() + ":" + String.join(",", t.key()))
            .collect(java.util.stream.Collectors.joining(";"));
    if (!keys.isEmpty()) {
      settings.put("message.key.columns", keys);
    }
    return settings;
  }

  /** The change topics of every captured table, in declaration order. */
  public List<String> changeTopics() {
    return source.captured().stream().map(t -> t.topic(source.topicPrefix())).toList();
  }
}
