package io.cdcplatform.pipeline;

import java.io.Serializable;
import java.util.List;

/**
 * One declared analytic: a Flink SQL query over the captured tables, the columns that key its
 * result, an optional event-time window, where its result goes (a PostgreSQL table and a compacted
 * Kafka topic) and the PostgreSQL query over the source that must return the same rows.
 *
 * @param query the Flink SQL text, without a trailing semicolon
 * @param queryFile the file it was read from, relative to the definition's folder
 * @param window the event-time window, or {@code null}
 * @param oracle the oracle's PostgreSQL text, or {@code null} when the query itself is one
 * @param unchecked why no oracle can check the result, or {@code null}
 * @param panel how the dashboard draws it, or {@code null} for the default
 */
public record Analytic(
    String name,
    String description,
    String query,
    String queryFile,
    List<String> key,
    Window window,
    TableName table,
    String topic,
    String oracle,
    String unchecked,
    Panel panel)
    implements Serializable {

  public Analytic {
    key = List.copyOf(key);
  }

  /** The query over the source that must return exactly the result's rows. */
  public String oracleQuery() {
    return oracle != null ? oracle : query;
  }

  /** Whether an oracle checks this analytic. */
  public boolean checked() {
    return unchecked == null;
  }

  /** The columns the platform adds to a windowed result, after the query's own. */
  public static final List<String> WINDOW_COLUMNS = List.of("window_closed", "late_updates");
}
