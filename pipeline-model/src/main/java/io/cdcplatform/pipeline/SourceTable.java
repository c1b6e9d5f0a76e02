package io.cdcplatform.pipeline;

import java.io.Serializable;
import java.util.List;

/**
 * A captured table: its name, the columns that identify a row (empty: the table's primary key), the
 * column whose value is a change's event time ({@code null}: the commit time), and the columns its
 * changes carry (empty: all of them).
 *
 * @param key explicit key columns, for a table without a primary key
 * @param eventTime a timestamp column, or {@code null}
 * @param columns the captured columns; the others never leave the database
 */
public record SourceTable(TableName name, List<String> key, String eventTime, List<String> columns)
    implements Serializable {

  public SourceTable {
    key = List.copyOf(key);
    columns = List.copyOf(columns);
  }

  /** A table whose changes carry every column. */
  public SourceTable(TableName name, List<String> key, String eventTime) {
    this(name, key, eventTime, List.of());
  }

  /** Whether only some columns are captured. */
  public boolean declaredColumns() {
    return !columns.isEmpty();
  }

  /**
   * The regular expression Debezium's {@code column.include.list} matches this table's captured
   * columns with (fully qualified {@code schema.table.column}).
   */
  public String columnPattern() {
    String table = name.qualified().replace(".", "\\.");
    return table + "\\." + (declaredColumns() ? "(" + String.join("|", columns) + ")" : ".+");
  }

  /** Whether the key is declared rather than the table's primary key. */
  public boolean declaredKey() {
    return !key.isEmpty();
  }

  /** The topic Debezium writes this table's changes to. */
  public String topic(String topicPrefix) {
    return topicPrefix + "." + name.qualified();
  }
}
