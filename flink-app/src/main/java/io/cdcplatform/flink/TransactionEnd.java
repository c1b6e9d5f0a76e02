package io.cdcplatform.flink;

import java.io.Serializable;

/**
 * The end of one source transaction, from Debezium's transaction metadata topic: its id, where it
 * committed, and how many changes of the captured tables it holds.
 */
public final class TransactionEnd implements Serializable {

  private static final long serialVersionUID = 1L;

  /** PostgreSQL's transaction id. */
  public long txId;

  /** The LSN Debezium reports for the commit (the part of its transaction id after the colon). */
  public long commitLsn;

  /** The commit time, in epoch milliseconds. */
  public long commitMillis;

  /** The changes of the captured tables in it: what the job must have before it applies it. */
  public long changes;

  /** Where the END record was read, for the ledger. */
  public String coordinates;

  public TransactionEnd() {}

  TransactionEnd(long txId, long commitLsn, long commitMillis, long changes, String coordinates) {
    this.txId = txId;
    this.commitLsn = commitLsn;
    this.commitMillis = commitMillis;
    this.changes = changes;
    this.coordinates = coordinates;
  }

  /**
   * PostgreSQL's transaction id in Debezium's transaction id, {@code <txid>:<lsn>}; null if it has
   * none. Only the part before the colon names the transaction: Debezium's PostgreSQL connector
   * writes the LSN it has reached after it, which differs from one change of a transaction to the
   * next.
   */
  static Long txId(String id) {
    int colon = id.indexOf(':');
    return wholeNumber(colon < 0 ? id : id.substring(0, colon));
  }

  /** The LSN after the colon of Debezium's transaction id; null if it has none. */
  static Long lsn(String id) {
    int colon = id.indexOf(':');
    return colon < 0 ? null : wholeNumber(id.substring(colon + 1));
  }

  private static Long wholeNumber(String text) {
    if (text.isEmpty() || text.length() > 19) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      if (!Character.isDigit(text.charAt(i))) {
        return null;
      }
    }
    return Long.parseLong(text);
  }
}
