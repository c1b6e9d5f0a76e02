package io.cdcplatform.pipeline;

import java.io.Serializable;
import java.util.List;

/**
 * A captured table: its name, the columns that identify a row (empty: the table's primary key) and
 * the column whose value is a change's event time ({@code null}: the commit time).
 *
 * @param key explicit key columns, for a table without a primary key
 * @param eventTime a timestamp column, or {@code null}
 */
public record SourceTable(TableName name, List<String> key, String eventTime)
    implements Serializable {

  public SourceTable {
    key = List.copyOf(key);
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
