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
 * @param generation what the results depend on, as a digest ({@link Generation})
 */
public record PipelineDefinition(
    String name,
    String file,
    Source source,
    List<Analytic> analytics,
    Map<String, String> job,
    String generation)
    implements Serializable {

  public PipelineDefinition {
    analytics = List.copyOf(analytics);
    job = Map.copyOf(job);
  }

  /** The platform's own tables and topics, beside the declared analytics'. */
  public static final String FRESHNESS = "analytics.freshness";

  /** The ledger of what the job could not apply, beside the freshness table. */
  public static final String UNAPPLIED = "analytics.unapplied";

  /**
   * The source state the analytics tables show: the last source transaction whose results they
   * hold, committed with them.
   */
  public static final String SOURCE_POSITION = "analytics.source_position";

  public static final String LATENCY = "analytics.pipeline_latency_minute";

  /**
   * The heartbeat table's column marking a new snapshot after the replication slot was lost: a WAL
   * position (as a number) past every change the lost slot had sent and before every change the new
   * slot sends. When the snapshot reads the heartbeat row carrying it, the job drops every row
   * version older than it: rows deleted while nothing was captured leave the analytics. NULL until
   * the first such recovery.
   */
  public static final String RESNAPSHOT_COLUMN = "resnapshot_lsn";

  /**
   * The heartbeat table's column asking for a new snapshot because the definition now captures a
   * table the replication slot's snapshot never read: the WAL position (as a number) at which
   * source-setup added the table to the publication. The rows such a table held before are in no
   * change topic, so capture starts again from a new snapshot, as after a lost slot ({@link
   * #RESNAPSHOT_COLUMN}); releasing the slot clears the request. NULL when nothing is asked.
   */
  public static final String RESNAPSHOT_REQUEST_COLUMN = "resnapshot_requested";

  /**
   * The heartbeat table's columns through which continuous verification asks the job for a cut
   * (docs/analytics.md, "Continuous verification"): the round's number, written alone first (the
   * job holds what follows), then with the WAL position (as a number) of the source snapshot the
   * oracles were evaluated in (the job applies what committed before it, commits, then the rest).
   */
  public static final String VERIFY_ROUND_COLUMN = "verify_round";

  /** See {@link #VERIFY_ROUND_COLUMN}. */
  public static final String VERIFY_CUT_COLUMN = "verify_cut";

  /** Every column the platform adds to the heartbeat table, all bigint and nullable. */
  public static final java.util.List<String> HEARTBEAT_MARKERS =
      java.util.List.of(
          RESNAPSHOT_COLUMN, RESNAPSHOT_REQUEST_COLUMN, VERIFY_ROUND_COLUMN, VERIFY_CUT_COLUMN);

  /** Each continuous verification round's outcome, newest last (written by the verifier). */
  public static final String VERIFICATION = "analytics.verification";

  /**
   * The analytic every pipeline has: the newest heartbeat that made it through the whole pipeline,
   * in {@code analytics.freshness}, so that {@code now() - beat_at} says how old the newest data in
   * every other result may be.
   */
  public Analytic freshness() {
    return new Analytic(
        "freshness",
        "The newest heartbeat that made it through the whole pipeline.",
        "SELECT id, beat_at FROM " + source.heartbeat().qualified(),
        "(built in)",
        java.util.List.of("id"),
        null,
        TableName.parse(FRESHNESS),
        FRESHNESS,
        null,
        "the heartbeat changes every second, so no quiet moment exists to compare it in",
        null);
  }

  /** The analytics job's Flink job id: this definition's generation's ({@link Generation}). */
  public String jobId() {
    return Generation.jobId(generation);
  }

  /** The FlinkDeployment's redeploy nonce for this definition's generation ({@link Generation}). */
  public long redeployNonce() {
    return Generation.redeployNonce(generation);
  }

  /** The declared analytics, then the platform's freshness. */
  public List<Analytic> allAnalytics() {
    List<Analytic> all = new java.util.ArrayList<>(analytics);
    all.add(freshness());
    return List.copyOf(all);
  }

  /**
   * Debezium's transaction metadata topic ({@code provide.transaction.metadata}): its default name,
   * {@code <topic.prefix>.transaction}.
   */
  public String transactionTopic() {
    return source.topicPrefix() + ".transaction";
  }

  /** The topic records the job cannot apply go to. */
  public String deadLetterTopic() {
    return job.getOrDefault("dead-letter-topic", source.topicPrefix() + ".dead-letter");
  }

  /**
   * Every topic the pipeline needs: each captured table's change topic, Debezium's transaction
   * metadata topic, the heartbeat topics, the dead-letter topic, and every result's compacted topic
   * (the platform's included).
   */
  public List<Topic> topics() {
    List<Topic> topics = new java.util.ArrayList<>();
    for (SourceTable table : source.tables()) {
      topics.add(new Topic(table.topic(source.topicPrefix()), Topic.Kind.CHANGE));
    }
    topics.add(new Topic(transactionTopic(), Topic.Kind.TRANSACTION));
    topics.add(
        new Topic(
            new SourceTable(source.heartbeat(), List.of(), null).topic(source.topicPrefix()),
            Topic.Kind.HEARTBEAT));
    topics.add(new Topic("__debezium-heartbeat." + source.topicPrefix(), Topic.Kind.HEARTBEAT));
    topics.add(new Topic(deadLetterTopic(), Topic.Kind.DEAD_LETTER));
    for (Analytic analytic : allAnalytics()) {
      topics.add(new Topic(analytic.topic(), Topic.Kind.OUTPUT));
    }
    topics.add(new Topic(LATENCY, Topic.Kind.OUTPUT));
    return List.copyOf(topics);
  }

  /** Every table the job writes: each analytic's (the platform's included) and the latency. */
  public List<TableName> sinkTables() {
    List<TableName> tables = new java.util.ArrayList<>();
    for (Analytic analytic : allAnalytics()) {
      tables.add(analytic.table());
    }
    tables.add(TableName.parse(LATENCY));
    return List.copyOf(tables);
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
    settings.put("table.include.list", String.join(",", capturedTableNames()));
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
    if (source.tables().stream().anyMatch(SourceTable::declaredColumns)) {
      settings.put(
          "column.include.list",
          source.captured().stream()
              .map(SourceTable::columnPattern)
              .collect(java.util.stream.Collectors.joining(",")));
    }
    return settings;
  }

  /**
   * Every captured table as {@code schema.table}, in declaration order: what the connector's {@code
   * table.include.list} names.
   */
  public List<String> capturedTableNames() {
    return source.captured().stream().map(t -> t.name().qualified()).toList();
  }

  /** The change topics of every captured table, in declaration order. */
  public List<String> changeTopics() {
    return source.captured().stream().map(t -> t.topic(source.topicPrefix())).toList();
  }
}
