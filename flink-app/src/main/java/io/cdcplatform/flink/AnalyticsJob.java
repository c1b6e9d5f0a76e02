package io.cdcplatform.flink;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.types.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics job: reads the change topics as changelogs and keeps exact aggregates in PostgreSQL
 * by upsert. Checkpoints are exactly-once and retained on cancellation.
 */
public final class AnalyticsJob {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsJob.class);

  /** One analytics result: a PostgreSQL table and a compacted topic of the same name. */
  private record Output(String name, String columns, String query) {}

  private static final List<Output> OUTPUTS =
      List.of(
          new Output(
              "status_totals", AnalyticsSql.STATUS_TOTALS_COLUMNS, AnalyticsSql.STATUS_TOTALS),
          new Output(
              "category_revenue_minute",
              AnalyticsSql.CATEGORY_REVENUE_COLUMNS,
              "SELECT * FROM category_revenue_marked"),
          new Output(
              "customer_value", AnalyticsSql.CUSTOMER_VALUE_COLUMNS, AnalyticsSql.CUSTOMER_VALUE),
          new Output("freshness", AnalyticsSql.FRESHNESS_COLUMNS, AnalyticsSql.FRESHNESS));

  private AnalyticsJob() {}

  public static void main(String[] args) throws Exception {
    JobSettings settings;
    try {
      settings = JobSettings.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("analytics-job: " + e.getMessage());
      System.exit(2);
      return;
    }
    AnalyticsSchema.ensure(settings);
    Configuration configuration = configuration(settings);
    // Run by itself (make demo), the job resumes from its newest retained checkpoint. Under the
    // Flink Kubernetes Operator, which restores the job itself (upgradeMode last-state), it does
    // not.
    Optional<String> restore =
        settings.restoreRetained()
            ? RetainedCheckpoints.latest(settings.checkpointDirectory())
            : Optional.empty();
    if (restore.isPresent()) {
      LOG.info("restoring from retained checkpoint {}", restore.get());
      configuration.set(StateRecoveryOptions.SAVEPOINT_PATH, restore.get());
    } else {
      LOG.info(
          settings.restoreRetained()
              ? "no retained checkpoint in {}: starting from the earliest offsets"
              : "restore-retained is off: the deployment restores the job's state ({})",
          settings.checkpointDirectory());
    }
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(configuration);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    env.setParallelism(settings.parallelism());
    StreamTableEnvironment tables = StreamTableEnvironment.create(env);
    tables.getConfig().set("table.local-time-zone", "UTC");
    build(env, tables, settings).attachAsDataStream();
    LOG.info("analytics job starting: {}", settings.kafkaBootstrapServers());
    env.execute("cdc-analytics");
  }

  /**
   * The dataflow. One Kafka source reads every change topic; watermarks are generated per partition
   * from each change's event time (an order's {@code created_at}, the heartbeat's {@code beat_at},
   * else the commit time), so a quiet partition goes idle and the heartbeat alone moves event time
   * on. Records that cannot be decoded go to the dead-letter topic; the rest become one changelog
   * per table, redeliveries removed, and the SQL below runs over them as tables.
   */
  static StreamStatementSet build(
      StreamExecutionEnvironment env, StreamTableEnvironment tables, JobSettings settings) {
    KafkaSource<Change> source =
        KafkaSource.<Change>builder()
            .setBootstrapServers(settings.kafkaBootstrapServers())
            .setTopics(
                Arrays.stream(ShopTable.values())
                    .map(table -> table.topic(settings.topicPrefix()))
                    .toList())
            .setGroupId("cdc-analytics")
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setProperty("isolation.level", "read_committed")
            .setProperties(settings.kafkaProperties())
            .setDeserializer(new ChangeDecoder(settings.topicPrefix()))
            .build();
    WatermarkStrategy<Change> watermarks =
        WatermarkStrategy.<Change>forBoundedOutOfOrderness(settings.outOfOrderness())
            .withTimestampAssigner((change, kafkaTimestamp) -> change.eventMillis)
            .withIdleness(settings.sourceIdleTimeout());
    SingleOutputStreamOperator<Change> decoded =
        env.fromSource(source, watermarks, "change-topics")
            .uid("change-topics")
            .process(new DeadLetters())
            .name("dead-letters")
            .uid("dead-letters");
    decoded
        .getSideOutput(DeadLetters.TAG)
        .sinkTo(
            KafkaSink.<Change>builder()
                .setBootstrapServers(settings.kafkaBootstrapServers())
                .setRecordSerializer(new DeadLetters.Serializer(settings.deadLetterTopic()))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix("cdc-analytics-dead-letters")
                .setProperty("transaction.timeout.ms", "600000")
                .setKafkaProducerConfig(settings.kafkaProperties())
                .build())
        .name("dead-letter-topic")
        .uid("dead-letter-topic");
    SingleOutputStreamOperator<Long> routed =
        decoded
            .keyBy(ChangeRouter::key)
            .process(new ChangeRouter())
            .name("change-router")
            .uid("change-router");
    for (ShopTable table : ShopTable.values()) {
      tables.createTemporaryView(
          table.table(),
          tables.fromChangelogStream(
              routed.getSideOutput(ChangeRouter.rows(table)), table.schema(), ChangelogMode.all()));
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
        .setParallelism(1);

    // Category revenue leaves SQL for a moment: each (category, minute) is marked closed by event
    // time, and changes reaching a closed minute are counted as corrections.
    DataStream<Row> revenue =
        tables.toChangelogStream(tables.sqlQuery(AnalyticsSql.CATEGORY_REVENUE));
    tables.createTemporaryView(
        "category_revenue_marked",
        tables.fromChangelogStream(
            revenue
                .keyBy(WindowMarker::key)
                .process(new WindowMarker(settings.allowedLateness()))
                .returns(WindowMarker.TYPE)
                .name("window-marker")
                .uid("window-marker"),
            WindowMarker.SCHEMA,
            ChangelogMode.upsert()));

    StreamStatementSet statements = tables.createStatementSet();
    for (Output output : OUTPUTS) {
      String table = "analytics." + output.name();
      tables.executeSql(
          AnalyticsSql.postgresSink(settings, output.name() + "_table", output.columns(), table));
      tables.executeSql(
          AnalyticsSql.kafkaSink(settings, output.name() + "_topic", output.columns(), table));
      statements.addInsertSql("INSERT INTO " + output.name() + "_table " + output.query());
      statements.addInsertSql("INSERT INTO " + output.name() + "_topic " + output.query());
    }
    return statements;
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
