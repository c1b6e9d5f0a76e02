package io.cdcplatform.flink;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
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
              AnalyticsSql.CATEGORY_REVENUE),
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
    Optional<String> restore = RetainedCheckpoints.latest(settings.checkpointDirectory());
    if (restore.isPresent()) {
      LOG.info("restoring from retained checkpoint {}", restore.get());
      configuration.set(StateRecoveryOptions.SAVEPOINT_PATH, restore.get());
    } else {
      LOG.info(
          "no retained checkpoint in {}: starting from the earliest offsets",
          settings.checkpointDirectory());
    }
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(configuration);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    env.setParallelism(settings.parallelism());
    StreamTableEnvironment tables = StreamTableEnvironment.create(env);
    tables.getConfig().set("table.local-time-zone", "UTC");
    // Debezium delivers a change again after a Connect crash; with a primary key on each source,
    // the planner drops such duplicates before they reach an aggregate.
    tables.getConfig().set("table.exec.source.cdc-events-duplicate", "true");
    tables.getConfig().set("table.exec.source.idle-timeout", "5 s");

    tables.executeSql(AnalyticsSql.ordersSource(settings));
    tables.executeSql(AnalyticsSql.productsSource(settings));
    tables.executeSql(AnalyticsSql.customersSource(settings));
    tables.executeSql(AnalyticsSql.heartbeatSource(settings));
    // One statement set: the planner builds one plan for every output and reads each source once.
    StatementSet statements = tables.createStatementSet();
    for (Output output : OUTPUTS) {
      String table = "analytics." + output.name();
      tables.executeSql(
          AnalyticsSql.postgresSink(settings, output.name() + "_table", output.columns(), table));
      tables.executeSql(
          AnalyticsSql.kafkaSink(settings, output.name() + "_topic", output.columns(), table));
      statements.addInsertSql("INSERT INTO " + output.name() + "_table " + output.query());
      statements.addInsertSql("INSERT INTO " + output.name() + "_topic " + output.query());
    }
    LOG.info("analytics job starting: {}", settings.kafkaBootstrapServers());
    statements.execute().await();
  }

  static Configuration configuration(JobSettings settings) {
    Configuration configuration = new Configuration();
    configuration.set(org.apache.flink.configuration.RestOptions.PORT, settings.restPort());
    configuration.set(org.apache.flink.configuration.RestOptions.BIND_ADDRESS, "127.0.0.1");
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
