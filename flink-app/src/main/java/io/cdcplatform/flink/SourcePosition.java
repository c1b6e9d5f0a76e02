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

  public SourcePosition() {}

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
