package io.cdcplatform.flink;

import java.io.Serializable;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * One record of a change topic, decoded: a row change of a shop table, or a record that could not
 * be decoded (poison) with the reason, kept whole so it can go to the dead-letter topic.
 */
public final class Change implements Serializable {

  private static final long serialVersionUID = 1L;

  // Where the record was read.
  public String topic;
  public int partition;
  public long offset;
  public long kafkaTimestamp;

  // A decoded change; table is null for poison.
  public ShopTable table;
  public String op;
  public long key;
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
  void emitRows(java.util.function.Consumer<Row> out) {
    switch (op) {
      case "c", "r" -> out.accept(row(RowKind.INSERT, after));
      case "u" -> {
        out.accept(row(RowKind.UPDATE_BEFORE, before));
        out.accept(row(RowKind.UPDATE_AFTER, after));
      }
      case "d" -> out.accept(row(RowKind.DELETE, before));
      default -> throw new IllegalStateException("not a row change: op " + op);
    }
  }

  private Row row(RowKind kind, Object[] values) {
    Row row = new Row(kind, values.length);
    for (int i = 0; i < values.length; i++) {
      row.setField(i, table.columns().get(i).external(values[i]));
    }
    return row;
  }

  String coordinates() {
    return topic + "/" + partition + "@" + offset;
  }
}
