package io.cdcplatform.dashboard;

import io.cdcplatform.pipeline.PipelineDefinition;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The dashboard's reads of the analytics tables, as a read-only login: one short transaction per
 * call, rows as JSON-ready maps (timestamps ISO-8601, decimals as strings, bytes as hex).
 */
final class AnalyticsQueries {

  private final String jdbcUrl;
  private final Properties login = new Properties();

  AnalyticsQueries(String jdbcUrl, String user, String password) {
    this.jdbcUrl = jdbcUrl;
    login.setProperty("user", user);
    login.setProperty("password", password);
    login.setProperty("connectTimeout", "3");
    login.setProperty("socketTimeout", "10");
    login.setProperty("readOnly", "true");
    login.setProperty("ApplicationName", "cdc-dashboard");
  }

  /** The panels of the definition against the tables as they are now. */
  List<Panels.Spec> panels(PipelineDefinition definition) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, login)) {
      return Panels.of(connection, definition);
    }
  }

  /** A panel's rows: a time series' newest {@code minutes} minutes, else its top rows. */
  List<Map<String, Object>> panel(Panels.Spec spec, int minutes) throws SQLException {
    if (!spec.ready()) {
      return List.of();
    }
    String sql = Panels.query(spec);
    return spec.chart().equals("timeseries") ? query(sql, minutes) : query(sql);
  }

  /** Latency percentiles and throughput per minute, the newest {@code minutes} minutes. */
  List<Map<String, Object>> latency(int minutes) throws SQLException {
    return query(
        "SELECT minute_start, change_count, p50_ms, p95_ms, p99_ms, max_ms"
            + " FROM analytics.pipeline_latency_minute"
            + " WHERE minute_start > (SELECT max(minute_start) FROM analytics.pipeline_latency_minute)"
            + " - make_interval(mins => ?)"
            + " ORDER BY minute_start",
        minutes);
  }

  /** Milliseconds the newest heartbeat trails the database's clock; null before the first. */
  Long freshnessMillis() throws SQLException {
    List<Map<String, Object>> rows =
        query(
            "SELECT (extract(epoch FROM now() - max(beat_at)) * 1000)::bigint AS ms"
                + " FROM analytics.freshness");
    Object ms = rows.getFirst().get("ms");
    return ms == null ? null : ((Number) ms).longValue();
  }

  private List<Map<String, Object>> query(String sql, Object... parameters) throws SQLException {
    try (Connection connection = DriverManager.getConnection(jdbcUrl, login);
        PreparedStatement statement = connection.prepareStatement(sql)) {
      // Timestamps without a time zone hold UTC wall times: compared with now() in UTC.
      try (java.sql.Statement zone = connection.createStatement()) {
        zone.execute("SET TIME ZONE 'UTC'");
      }
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        List<Map<String, Object>> result = new ArrayList<>();
        int columns = rows.getMetaData().getColumnCount();
        while (rows.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int c = 1; c <= columns; c++) {
            // A timestamp without time zone holds a UTC wall time (the job's session zone).
            Object value =
                "timestamp".equals(rows.getMetaData().getColumnTypeName(c))
                    ? rows.getObject(c, java.time.LocalDateTime.class)
                    : rows.getObject(c);
            row.put(rows.getMetaData().getColumnLabel(c), json(value));
          }
          result.add(row);
        }
        return result;
      }
    }
  }

  private static Object json(Object value) {
    if (value instanceof java.sql.Date date) {
      return date.toLocalDate().toString();
    }
    if (value instanceof java.sql.Time time) {
      return time.toLocalTime().toString();
    }
    if (value instanceof java.sql.Timestamp timestamp) {
      return timestamp.toInstant().toString();
    }
    if (value instanceof java.time.OffsetDateTime time) {
      return time.toInstant().toString();
    }
    if (value instanceof byte[] bytes) {
      return java.util.HexFormat.of().formatHex(bytes);
    }
    if (value instanceof org.postgresql.util.PGobject object) {
      return object.getValue();
    }
    if (value instanceof BigDecimal decimal) {
      return decimal.toPlainString();
    }
    if (value instanceof java.time.LocalDateTime wallTime) {
      return wallTime.toInstant(java.time.ZoneOffset.UTC).toString();
    }
    if (value instanceof Instant instant) {
      return instant.toString();
    }
    return value;
  }
}
