package io.cdcplatform.flink;

import java.io.Serializable;
import java.util.function.Consumer;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * One record of a change topic, decoded: a row change of a captured table, or a record that could
 * not be decoded (poison) with the reason, kept whole so it can go to the dead-letter topic.
 */
public final class Change implements Serializable {

  private static final long serialVersionUID = 1L;

  // Where the record was read.
  public String topic;
  public int partition;
  public long offset;
  public long kafkaTimestamp;

  // A decoded change: the captured table's index ({@link TableLayout#index()}), -1 for poison;
  // the row's key, as text, for routing.
  public int table = -1;
  public String op;
  public String key;
  public long lsn;
  public long sourceMillis;
  public long eventMillis;
  public Object[] before;
  public Object[] after;

  // Poison.
  public String reason;
  public String rawKey;
  public String rawValue;

  public Change() {}

  boolean poison() {
    return reason != null;
  }

  /** The changelog rows this change stands for: a retraction of the old row, then the new one. */
  void emitRows(TableLayout layout, Consumer<Row> out) {
    switch (op) {
      case "c":
      case "r":
        out.accept(row(layout, RowKind.INSERT, after));
        break;
      case "u":
        out.accept(row(layout, RowKind.UPDATE_BEFORE, before));
        out.accept(row(layout, RowKind.UPDATE_AFTER, after));
        break;
      case "d":
        out.accept(row(layout, RowKind.DELETE, before));
        break;
      default:
        throw new IllegalStateException("not a row change: op " + op);
    }
  }

  private static Row row(TableLayout layout, RowKind kind, Object[] values) {
    Row row = new Row(kind, values.length);
    for (int i = 0; i < values.length; i++) {
      row.setField(i, layout.columns().get(i).kind().external(values[i]));
    }
    return row;
  }

  String coordinates() {
    return topic + "/" + partition + "@" + offset;
  }
}
