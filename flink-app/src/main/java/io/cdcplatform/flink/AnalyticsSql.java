package io.cdcplatform.flink;

/**
 * The job's queries and sinks in Flink SQL. The source tables are the changelogs of the shop tables
 * ({@link ChangeRouter}): updates and deletes retract what they replace, so every aggregate below
 * stays exact; the planner does the retracting.
 */
final class AnalyticsSql {

  private AnalyticsSql() {}

  /** A PostgreSQL table committed with the job's checkpoints ({@link CheckpointedUpsertSink}). */
  static String postgresSink(JobSettings settings, String name, String columns, String table) {
    return """
        CREATE TABLE %s (%s) WITH (
          'connector' = '%s',
          'url' = '%s',
          'table-name' = '%s',
          'username' = '%s',
          'password' = '%s'
        )
        """
        .formatted(
            name,
            columns,
            CheckpointedUpsertTableSinkFactory.IDENTIFIER,
            settings.jdbcUrl(),
            table,
            settings.jdbcUser(),
            settings.jdbcPassword());
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

  static final String STATUS_TOTALS_COLUMNS =
      "status STRING, order_count BIGINT, amount DECIMAL(38, 2), PRIMARY KEY (status) NOT ENFORCED";

  static final String STATUS_TOTALS =
      """
      SELECT status, COUNT(*) AS order_count, SUM(amount) AS amount
      FROM orders
      GROUP BY status
      """;

  static final String CATEGORY_REVENUE_COLUMNS =
      "category STRING, minute_start TIMESTAMP(3), order_count BIGINT,"
          + " revenue DECIMAL(38, 2), window_closed BOOLEAN, late_corrections BIGINT,"
          + " PRIMARY KEY (category, minute_start) NOT ENFORCED";

  // Minutes are UTC: the session time zone is UTC, so the cast to TIMESTAMP yields UTC wall time.
  // A regular join: when a product moves to another category, or an order to another product,
  // the join retracts the old pairing and the revenue moves with it.
  static final String CATEGORY_REVENUE =
      """
      SELECT p.category,
             FLOOR(CAST(o.created_at AS TIMESTAMP(3)) TO MINUTE) AS minute_start,
             COUNT(*) AS order_count,
             SUM(o.amount) AS revenue
      FROM orders o
      JOIN products p ON o.product_id = p.id
      WHERE o.status <> 'CANCELLED'
      GROUP BY p.category, FLOOR(CAST(o.created_at AS TIMESTAMP(3)) TO MINUTE)
      """;

  static final String FRESHNESS_COLUMNS =
      "id INT, beat_at TIMESTAMP_LTZ(6), PRIMARY KEY (id) NOT ENFORCED";

  // The capture layer rewrites shop.heartbeat every second; the newest beat that made it through
  // the whole pipeline tells how fresh every other result is: freshness = now - beat_at.
  static final String FRESHNESS = "SELECT id, beat_at FROM heartbeat";

  static final String CUSTOMER_VALUE_COLUMNS =
      "customer_id BIGINT, paid_orders BIGINT, paid_amount DECIMAL(38, 2),"
          + " PRIMARY KEY (customer_id) NOT ENFORCED";

  static final String CUSTOMER_VALUE =
      """
      SELECT c.id AS customer_id, COUNT(*) AS paid_orders, SUM(o.amount) AS paid_amount
      FROM orders o
      JOIN customers c ON o.customer_id = c.id
      WHERE o.status IN ('PAID', 'SHIPPED', 'DELIVERED')
      GROUP BY c.id
      """;
}
