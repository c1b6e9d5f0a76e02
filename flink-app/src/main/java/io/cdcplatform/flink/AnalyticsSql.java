package io.cdcplatform.flink;

/**
 * The job's sinks in Flink SQL: for every analytic a PostgreSQL table and a compacted Kafka topic,
 * both committed with the job's checkpoints.
 */
final class AnalyticsSql {

  private AnalyticsSql() {}

  /**
   * A PostgreSQL table committed with the job's checkpoints, together with every other table of the
   * commit group ({@link ResultsCommitter}).
   */
  static String postgresSink(
      JobSettings settings, String name, String columns, String table, String group) {
    return """
        CREATE TABLE %s (%s) WITH (
          'connector' = '%s',
          'url' = '%s',
          'table-name' = '%s',
          'username' = '%s',
          'password' = '%s',
          'commit-group' = '%s'
        )
        """
        .formatted(
            name,
            columns,
            CheckpointedUpsertTableSinkFactory.IDENTIFIER,
            settings.jdbcUrl(),
            table,
            settings.jdbcUser(),
            settings.jdbcPassword(),
            group);
  }

  /**
   * A compacted Kafka topic holding one record per group, written in Kafka transactions that commit
   * with each checkpoint: read_committed readers see each result exactly once.
   */
  static String kafkaSink(JobSettings settings, String name, String columns, String topic) {
    return """
        CREATE TABLE %s (%s) WITH (
          'connector' = 'upsert-kafka',
          'topic' = '%s',
          'properties.bootstrap.servers' = '%s',
          'properties.transaction.timeout.ms' = '600000',
          'sink.delivery-guarantee' = 'exactly-once',
          'sink.transactional-id-prefix' = 'cdc-analytics-%s',
          'key.format' = 'json',
          'key.json.timestamp-format.standard' = 'ISO-8601',
          'value.format' = 'json',
          'value.json.timestamp-format.standard' = 'ISO-8601',
          'value.json.encode.decimal-as-plain-number' = 'true'%s
        )
        """
        .formatted(
            name,
            columns,
            topic,
            settings.kafkaBootstrapServers(),
            name.replace('_', '-'),
            clientProperties(settings));
  }

  private static String clientProperties(JobSettings settings) {
    StringBuilder options = new StringBuilder();
    settings
        .kafkaClientProperties()
        .forEach(
            (key, value) ->
                options
                    .append(",\n  'properties.")
                    .append(key)
                    .append("' = '")
                    .append(value.replace("'", "''"))
                    .append("'"));
    return options.toString();
  }
}
