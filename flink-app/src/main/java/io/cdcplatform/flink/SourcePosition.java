package io.cdcplatform.flink;

import java.io.Serializable;

/**
 * The source state the analytics reflect: every source transaction up to and including this one, in
 * commit order, and nothing after it.
 */
public final class SourcePosition implements Serializable {

  private static final long serialVersionUID = 1L;

  public long txId;
  public long commitLsn;
  public long commitMillis;

  /**
   * The continuous verification round this position is the cut of (0: none): every transaction that
   * committed before the round's source snapshot, and none after.
   */
  public long cutRound;

  /**
   * At a cut: the first transaction held back after it, which the round's snapshot must not see.
   */
  public long nextTxId;

  public SourcePosition() {}

  /** This position as the cut of a verification round. */
  SourcePosition cut(long round, long nextTxId) {
    SourcePosition cut = new SourcePosition();
    cut.txId = txId;
    cut.commitLsn = commitLsn;
    cut.commitMillis = commitMillis;
    cut.cutRound = round;
    cut.nextTxId = nextTxId;
    return cut;
  }

  SourcePosition(TransactionEnd end) {
    this.txId = end.txId;
    this.commitLsn = end.commitLsn;
    this.commitMillis = end.commitMillis;
  }

  @Override
  public String toString() {
    return "transaction " + txId + " (commit LSN " + commitLsn + ")";
  }
}
