package io.cdcplatform.flink;

import org.apache.flink.types.Row;

/**
 * One row change as Flink CDC's source delivers it: the captured table it belongs to (by {@link
 * TableLayout#index}), the row with its kind, and the times the watermarks are made of.
 */
public final class PeerChange {

  /** The table's index among the pipeline's captured tables. */
  public int table;

  /** The source commit time (Debezium's {@code ts_ms}); 0 for a snapshot read. */
  public long sourceMillis;

  /** The declared event-time column's value in epoch milliseconds, else the commit time. */
  public long eventMillis;

  /** The row, of the table's row type, with its {@link org.apache.flink.types.RowKind}. */
  public Row row;

  public PeerChange() {}

  PeerChange(int table, long sourceMillis, long eventMillis, Row row) {
    this.table = table;
    this.sourceMillis = sourceMillis;
    this.eventMillis = eventMillis;
    this.row = row;
  }

  /** The event time, held within {@code maxAheadMillis} of the commit as the product's job does. */
  long streamTimestamp(long maxAheadMillis) {
    return Change.streamTimestamp(eventMillis, sourceMillis, maxAheadMillis);
  }
}
