package io.cdcplatform.flink;

import java.io.Serializable;

/**
 * One record of a change topic, decoded: a row change or a truncate of a captured table, or a
 * record that could not be decoded (poison) with the reason, kept whole so it can go to the
 * dead-letter topic.
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

  // The source transaction (Debezium's transaction metadata): PostgreSQL's id for it and the
  // change's place in it; txId is -1 when the record names none (a snapshot read, or a connector
  // without transaction metadata).
  public long txId = -1;
  public long txOrder;

  // The commit LSN of the change's transaction, set when the sequencer passes the transaction on
  // (from its END); 0 when unknown. A snapshot read of the row taken after that commit already
  // holds the change (ChangeRouter).
  public long commitLsn;

  // A snapshot read of the heartbeat row that marks a new snapshot after the slot was lost: every
  // row version older than this WAL position is superseded (PipelineDefinition.RESNAPSHOT_COLUMN);
  // 0 otherwise.
  public long supersedesBelow;
  public boolean snapshot;

  // A streamed change of the heartbeat row carrying a continuous verification round
  // (PipelineDefinition.VERIFY_ROUND_COLUMN), and the WAL position of its cut once known; 0
  // otherwise.
  public long verifyRound;
  public long verifyCut;

  // Poison.
  public String reason;
  public String rawKey;
  public String rawValue;

  public Change() {}

  boolean poison() {
    return reason != null;
  }

  /** A truncate of the table: no key, no rows; it removes every row committed before it. */
  boolean truncate() {
    return "t".equals(op);
  }

  /**
   * The change's timestamp in the stream, which drives the watermark: its event time, but never
   * more than {@code maxAheadMillis} past its commit. One row with an event time decades ahead
   * would otherwise carry the watermark there, and every window would close on arrival from then
   * on. Its own window is still the one its event time names; it closes when event time really gets
   * there. An event time far in the past needs no cap: the watermark never moves back.
   */
  long streamTimestamp(long maxAheadMillis) {
    return streamTimestamp(eventMillis, sourceMillis, maxAheadMillis);
  }

  /** An event time held within {@code maxAheadMillis} of its commit time. */
  static long streamTimestamp(long eventMillis, long sourceMillis, long maxAheadMillis) {
    long cap =
        sourceMillis > Long.MAX_VALUE - maxAheadMillis
            ? Long.MAX_VALUE
            : sourceMillis + maxAheadMillis;
    return Math.min(eventMillis, cap);
  }

  /** Whether the event time is beyond the cap of {@link #streamTimestamp}. */
  boolean eventTimeAhead(long maxAheadMillis) {
    return streamTimestamp(maxAheadMillis) < eventMillis;
  }

  String coordinates() {
    return topic + "/" + partition + "@" + offset;
  }
}
