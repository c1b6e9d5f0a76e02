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
   * A compacted Kafka topic holding one record per group. Its records go out through the job's one
   * exactly-once Kafka sink, with every other topic of the commit group: read_committed readers see
   * each checkpoint's results of all topics at once.
   */
  static String resultTopic(String name, String columns, String topic, String group) {
    return """
        CREATE TABLE %s (%s) WITH (
          'connector' = '%s',
          'topic' = '%s',
          'commit-group' = '%s',
          'key.format' = 'json',
          'key.json.timestamp-format.standard' = 'ISO-8601',
          'value.format' = 'json',
          'value.json.timestamp-format.standard' = 'ISO-8601',
          'value.json.encode.decimal-as-plain-number' = 'true'
        )
        """
        .formatted(name, columns, ResultTopicSinkFactory.IDENTIFIER, topic, group);
  }
}
