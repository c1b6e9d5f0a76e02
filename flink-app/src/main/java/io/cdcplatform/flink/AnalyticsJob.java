package io.cdcplatform.flink;

import io.cdcplatform.pipeline.Analytic;
import io.cdcplatform.pipeline.PipelineDefinition;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.changelog.fs.FsStateChangelogOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.types.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics engine: reads the change topics of the tables a pipeline definition captures as
 * changelogs, and keeps each analytic it declares exact, in PostgreSQL by upsert and in a compacted
 * topic. Nothing here names a table or an analytic: they all come from the definition, their column
 * types from the source's catalog. Checkpoints are exactly-once and retained on cancellation.
 */
public final class AnalyticsJob {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsJob.class);

  private AnalyticsJob() {}

  public static void main(String[] args) throws Exception {
    JobSettings settings;
    List<TableLayout> layouts;
    try {
      settings = JobSettings.parse(args, System.getenv());
      try (Connection db = settings.connect()) {
        layouts = SourceCatalog.read(db, settings.pipeline());
      }
    } catch (IllegalArgumentException e) {
      System.err.println("analytics-job: " + e.getMessage());
      System.exit(2);
      return;
    }
    Configuration configuration = configuration(settings);
    // Run by itself (make demo), the job resumes from its newest retained checkpoint. Under the
    // Flink Kubernetes Operator, which restores the job itself (upgradeMode last-state), it does
    // not.
    // The job id is the definition's generation: only that generation's checkpoints are restored,
    // and a new generation is computed afresh from the change topics (the chart sets the same id
    // for the operator).
    String jobId = settings.pipeline().jobId();
    Optional<String> restore =
        settings.restoreRetained()
            ? RetainedCheckpoints.latest(settings.checkpointDirectory(), jobId)
            : Optional.empty();
    if (settings.restoreRetained()) {
      configuration.set(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, jobId);
    }
    if (restore.isPresent()) {
      LOG.info("restoring from retained checkpoint {}", restore.get());
      configuration.set(StateRecoveryOptions.SAVEPOINT_PATH, restore.get());
    } else {
      LOG.info(
          settings.restoreRetained()
              ? "no retained checkpoint of generation {} in {}: computing the analytics from the"
                  + " start of the change topics"
              : "restore-retained is off: the deployment restores generation {}'s state ({})",
          jobId,
          settings.checkpointDirectory());
    }
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(configuration);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    env.setParallelism(settings.parallelism());
    StreamTableEnvironment tables = tableEnvironment(env, settings);
    // Every check runs before any data moves: a bad definition stops the job with one line.
    try {
      build(env, tables, settings, layouts);
    } catch (IllegalArgumentException e) {
      System.err.println("analytics-job: " + e.getMessage());
      System.exit(2);
      return;
    }
    LOG.info(
        "analytics job starting: pipeline {} ({} analytics over {}), Kafka {}",
        settings.pipeline().name(),
        settings.pipeline().analytics().size(),
        settings.pipeline().changeTopics(),
        settings.kafkaBootstrapServers());
    // The name the probes find the job by, whatever the pipeline.
    env.execute("cdc-analytics");
  }

  /**
   * The table environment every plan uses: UTC as the session time zone, whatever the host's, and
   * the job's mini-batch setting. With mini-batches the aggregations buffer their input for up to
   * that long and apply it key by key, one state access per key instead of one per change; every
   * buffer is applied before a checkpoint's barrier passes, so what a checkpoint commits is the
   * same.
   */
  static StreamTableEnvironment tableEnvironment(
      StreamExecutionEnvironment env, JobSettings settings) {
    StreamTableEnvironment tables = StreamTableEnvironment.create(env);
    tables.getConfig().set("table.local-time-zone", "UTC");
    if (!settings.miniBatch().isZero()) {
      tables.getConfig().set("table.exec.mini-batch.enabled", "true");
      tables
          .getConfig()
          .set("table.exec.mini-batch.allow-latency", settings.miniBatch().toMillis() + " ms");
      tables.getConfig().set("table.exec.mini-batch.size", String.valueOf(MINI_BATCH_SIZE));
    }
    return tables;
  }

  /** Changes an aggregation buffers at most before it applies them, whatever the latency. */
  static final int MINI_BATCH_SIZE = 5_000;

  /**
   * The Kafka sink's producer: the job's client settings, over a transaction timeout of ten minutes
   * (the brokers keep an id an hour, files/kafka-broker.yaml) and {@link #SINK_RETRY_BACKOFF_MS}.
   */
  static java.util.Properties topicProducerConfig(JobSettings settings) {
    java.util.Properties config = new java.util.Properties();
    config.setProperty("transaction.timeout.ms", "600000");
    config.setProperty("retry.backoff.ms", SINK_RETRY_BACKOFF_MS);
    config.putAll(settings.kafkaProperties());
    return config;
  }

  /**
   * The Kafka sink's pause before a transactional request it sends again. Each checkpoint's
   * transaction has a new transactional id, whose coordinator the producer must look up first; the
   * client then sends {@code InitProducerId} as a retry, after this pause, inside the checkpoint's
   * synchronous phase. At the client's default (100 ms) that pause was most of every checkpoint's
   * synchronous phase (docs/benchmarks.md); the produce and metadata retries still back off
   * exponentially from it up to {@code retry.backoff.max.ms}.
   */
  static final String SINK_RETRY_BACKOFF_MS = "10";

  /**
   * The dataflow. One Kafka source reads every change topic; watermarks are generated per partition
   * from each change's event time (the table's declared event-time column, else the commit time),
   * so a quiet partition goes idle and the heartbeat alone moves event time on. A second source
   * reads Debezium's transaction metadata, and the changes go on whole source transactions at a
   * time, in commit order ({@link TransactionSequencer}). Records that cannot be decoded go to the
   * dead-letter topic; the rest become one changelog per table, redeliveries removed, and each
   * declared analytic runs over them as SQL. Every analytics table is committed, with the source
   * position its results reflect, in one database transaction per checkpoint ({@link
   * ResultsCommitter}).
   *
   * @throws IllegalArgumentException naming the definition and the analytic it cannot plan or store
   */
  static void build(
      StreamExecutionEnvironment env,
      StreamTableEnvironment tables,
      JobSettings settings,
      List<TableLayout> layouts)
      throws SQLException, IOException {
    PipelineDefinition pipeline = settings.pipeline();
    KafkaSource<Change> source =
        source(
            settings,
            layouts.stream().map(TableLayout::topic).toList(),
            new ChangeDecoder(layouts));
    long maxAheadMillis = settings.maxEventTimeAhead().toMillis();
    WatermarkStrategy<Change> watermarks =
        WatermarkStrategy.<Change>forBoundedOutOfOrderness(settings.outOfOrderness())
            .withTimestampAssigner(
                (change, kafkaTimestamp) -> change.streamTimestamp(maxAheadMillis))
            .withIdleness(settings.sourceIdleTimeout());
    KafkaSource<TransactionEnd> transactions =
        source(settings, List.of(pipeline.transactionTopic()), new TransactionDecoder(layouts));
    SingleOutputStreamOperator<Change> sequenced =
        env.fromSource(source, watermarks, "change-topics")
            .uid("change-topics")
            .connect(
                env.fromSource(transactions, WatermarkStrategy.noWatermarks(), "transaction-topic")
                    .uid("transaction-topic")
                    .setParallelism(1))
            .transform(
                "transaction-sequencer",
                TypeInformation.of(Change.class),
                new TransactionSequencer(settings.incompleteTransactionTimeout().toMillis()))
            .uid("transaction-sequencer")
            .setParallelism(1);
    SingleOutputStreamOperator<Change> decoded =
        sequenced
            .process(new DeadLetters(maxAheadMillis, layouts))
            .name("dead-letters")
            .uid("dead-letters")
            .setParallelism(1);
    decoded
        .getSideOutput(DeadLetters.TAG)
        .addSink(new DeadLetterLedger(settings, layouts))
        .name("dead-letter-ledger")
        .uid("dead-letter-ledger")
        .setParallelism(1);
    SingleOutputStreamOperator<Long> routed =
        decoded
            .keyBy(ChangeRouter::key)
            .connect(decoded.getSideOutput(DeadLetters.TRUNCATES).broadcast(ChangeRouter.TRUNCATES))
            .process(new ChangeRouter(layouts))
            .name("change-router")
            .uid("change-router");
    List<AnalyticsPlan.Planned> plans =
        AnalyticsPlan.plan(
            tables,
            pipeline,
            layouts,
            layout ->
                tables.fromChangelogStream(
                    routed.getSideOutput(ChangeRouter.tag(layout)),
                    layout.schema(),
                    ChangelogMode.all()));
    try (Connection db = settings.connect()) {
      AnalyticsSchema.ensure(db, pipeline, plans, settings.verifierRole());
    }
    routed
        .addSink(
            new LatencySink(
                new LatencySink.Target(
                    settings.jdbcUrl(),
                    settings.jdbcUser(),
                    settings.jdbcPassword(),
                    settings.kafkaProperties())))
        .name("pipeline-latency")
        .uid("pipeline-latency")
        .setParallelism(1)
        // Its commit (a PostgreSQL upsert and an acknowledged Kafka write, about 55 ms under load)
        // runs when a checkpoint completes; chained, it would hold up the router's thread each
        // time. Its input is one long per change.
        .disableChaining();

    StreamStatementSet statements = tables.createStatementSet();
    String commitGroup = java.util.UUID.randomUUID().toString();
    for (AnalyticsPlan.Planned plan : plans) {
      Analytic analytic = plan.analytic();
      Table result = intoTable(tables, statements, settings, plan, commitGroup);
      String columns = ResultColumns.flinkColumns(result.getResolvedSchema(), analytic.key());
      tables.executeSql(
          AnalyticsSql.resultTopic(
              analytic.name() + "_topic", columns, analytic.topic(), commitGroup));
      statements.add(result.insertInto(analytic.name() + "_topic"));
    }
    statements.attachAsDataStream();
    ResultCommits.Group gathered = ResultCommits.take(commitGroup);
    commitTogether(sequenced, settings, gathered.tables());
    DataStream<TopicRecord> letters =
        decoded
            .getSideOutput(DeadLetters.TAG)
            .map(new DeadLetters.Letter(settings.deadLetterTopic()))
            .returns(TypeInformation.of(TopicRecord.class))
            .name("dead-letter-records")
            .uid("dead-letter-records")
            .setParallelism(1);
    writeTopics(settings, sequenced, letters, gathered.topics());
  }

  /**
   * An analytic's result (window-marked where it declares a window) written to its PostgreSQL table
   * in the commit group: the sink is registered and the insert added to {@code statements}.
   *
   * @return the result, for any other output of the same rows
   */
  static Table intoTable(
      StreamTableEnvironment tables,
      StreamStatementSet statements,
      JobSettings settings,
      AnalyticsPlan.Planned plan,
      String commitGroup) {
    Analytic analytic = plan.analytic();
    Table result = analytic.window() == null ? plan.table() : marked(tables, plan);
    String columns = ResultColumns.flinkColumns(result.getResolvedSchema(), analytic.key());
    String sink = analytic.name() + "_table";
    tables.executeSql(
        AnalyticsSql.postgresSink(
            settings, sink, columns, analytic.table().qualified(), commitGroup));
    statements.add(result.insertInto(sink));
    return result;
  }

  /**
   * A source of the job's consumer group: committed records only; without a checkpoint, from the
   * first record each partition ever held ({@link WholeHistory}).
   */
  private static <T> KafkaSource<T> source(
      JobSettings settings,
      List<String> topics,
      org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema<
              T>
          decoder) {
    return KafkaSource.<T>builder()
        .setBootstrapServers(settings.kafkaBootstrapServers())
        .setTopics(topics)
        .setGroupId("cdc-analytics")
        .setStartingOffsets(new WholeHistory())
        .setProperty("isolation.level", "read_committed")
        .setProperties(settings.kafkaProperties())
        .setDeserializer(decoder)
        .build();
  }

  /**
   * The one committer of every analytics table: each table's results of a checkpoint and the source
   * position the sequencer reached before its barrier, committed in one transaction.
   */
  private static void commitTogether(
      SingleOutputStreamOperator<Change> sequenced,
      JobSettings settings,
      List<ResultCommits.Table> tables) {
    DataStream<Committable> committed =
        sequenced
            .getSideOutput(TransactionSequencer.POSITIONS)
            .map(Committable::position)
            .returns(TypeInformation.of(Committable.class))
            .name("source-positions")
            .uid("source-positions")
            .setParallelism(1);
    for (ResultCommits.Table table : tables) {
      committed = committed.union(table.results());
    }
    committed
        .addSink(
            new ResultsCommitter(
                settings.pipeline().name(),
                tables.stream().map(ResultCommits.Table::target).toList()))
        .name("analytics-tables")
        .uid("analytics-tables")
        .setParallelism(1);
  }

  /**
   * The job's one Kafka sink: every analytic's topic and the dead letters, in one Kafka transaction
   * per checkpoint, committed when the checkpoint completes, each record with the source position
   * the transaction brings the topics to ({@link TopicPositions}). One transaction instead of one
   * per topic is what keeps a short checkpoint interval cheap for the brokers (docs/benchmarks.md).
   */
  private static void writeTopics(
      JobSettings settings,
      SingleOutputStreamOperator<Change> sequenced,
      DataStream<TopicRecord> letters,
      List<DataStream<TopicRecord>> topics) {
    DataStream<TopicRecord> records = letters;
    for (DataStream<TopicRecord> topic : topics) {
      records = records.union(topic);
    }
    records
        .connect(sequenced.getSideOutput(TransactionSequencer.POSITIONS))
        .transform("topic-positions", TypeInformation.of(TopicRecord.class), new TopicPositions())
        .uid("topic-positions")
        .setParallelism(1)
        .sinkTo(
            KafkaSink.<TopicRecord>builder()
                .setBootstrapServers(settings.kafkaBootstrapServers())
                .setRecordSerializer(new TopicRecord.Serializer())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix("cdc-analytics-topics")
                .setKafkaProducerConfig(topicProducerConfig(settings))
                .build())
        .name("kafka-topics")
        .uid("kafka-topics")
        .setParallelism(1);
  }

  /**
   * A windowed analytic leaves SQL for a moment: each group is marked closed by event time, and
   * updates of a closed window's result are counted.
   */
  private static Table marked(StreamTableEnvironment tables, AnalyticsPlan.Planned plan) {
    Analytic analytic = plan.analytic();
    DataStream<Row> changes = tables.toChangelogStream(plan.table());
    List<DataTypes.Field> fields = new ArrayList<>();
    Schema.Builder schema = Schema.newBuilder();
    for (Column column : plan.schema().getColumns()) {
      fields.add(DataTypes.FIELD(column.getName(), column.getDataType()));
      schema.column(column.getName(), column.getDataType());
    }
    fields.add(DataTypes.FIELD("window_closed", DataTypes.BOOLEAN().notNull()));
    fields.add(DataTypes.FIELD("late_updates", DataTypes.BIGINT().notNull()));
    schema.column("window_closed", DataTypes.BOOLEAN().notNull());
    schema.column("late_updates", DataTypes.BIGINT().notNull());
    schema.primaryKey(analytic.key());
    List<Integer> key = plan.key();
    DataStream<Row> marked =
        changes
            .keyBy(row -> WindowMarker.key(key, row))
            .process(
                new WindowMarker(
                    plan.key(),
                    plan.window(),
                    analytic.window().size(),
                    analytic.window().allowedLateness(),
                    changes.getType()))
            .returns(ExternalTypeInfo.of(DataTypes.ROW(fields.toArray(DataTypes.Field[]::new))))
            .name("window-marker-" + analytic.name())
            .uid("window-marker-" + analytic.name());
    return tables.fromChangelogStream(marked, schema.build(), ChangelogMode.upsert());
  }

  /**
   * The changelog state backend over the heap one: each checkpoint writes the state changes since
   * the last one, not every key's state. The change router keeps each captured row's current
   * version, so a full heap snapshot grows with the source tables and, at 250 ms intervals, was
   * most of every checkpoint (docs/benchmarks.md). The heap state is written in full in the
   * background every few minutes (materialization) and the log before it dropped.
   *
   * <p>A retained checkpoint is restored in CLAIM mode: the new run owns it. The default mode
   * (NO_CLAIM) needs the first checkpoint after a restore to be a full one, which this backend
   * cannot take, and the job would fail at every start with "does not support enforcing a full
   * snapshot".
   */
  static void changelog(Configuration configuration, String checkpointDirectory) {
    configuration.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
    configuration.set(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE, "filesystem");
    configuration.set(
        FsStateChangelogOptions.BASE_PATH,
        checkpointDirectory.replaceAll("/+$", "") + "/changelog");
    configuration.set(StateRecoveryOptions.RESTORE_MODE, RestoreMode.CLAIM);
  }

  static Configuration configuration(JobSettings settings) {
    Configuration configuration = new Configuration();
    configuration.set(org.apache.flink.configuration.RestOptions.PORT, settings.restPort());
    configuration.set(org.apache.flink.configuration.RestOptions.BIND_ADDRESS, "127.0.0.1");
    // The REST API serves metrics at most this old (the status line and tests read them there).
    configuration.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
    // Job and checkpoint statistics are cached this long (3 s by default): longer than ten
    // checkpoints, which would make a healthy job's newest checkpoint look seconds old.
    configuration.set(WebOptions.REFRESH_INTERVAL, Duration.ofSeconds(1));
    configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, settings.checkpointDirectory());
    configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, settings.checkpointInterval());
    configuration.set(
        CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
    configuration.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        org.apache.flink.configuration.ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    if (settings.stateChangelog()) {
      changelog(configuration, settings.checkpointDirectory());
    }
    configuration.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    configuration.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
        Duration.ofSeconds(1));
    configuration.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
        Duration.ofSeconds(30));
    return configuration;
  }
}
