package io.cdcplatform.flink;

import java.io.Serializable;

/**
 * What {@link ResultsCommitter} commits with a checkpoint: one table's results of it (the newest
 * row per group, serialized), or the source position the checkpoint reaches.
 */
public final class Committable implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The analytics table the rows belong to; null for a position. */
  public String table;

  /** A {@code LinkedHashMap<List<Object>, Row>} of the newest row per group, serialized. */
  public byte[] rows;

  public SourcePosition position;

  public Committable() {}

  static Committable rows(String table, byte[] rows) {
    Committable committable = new Committable();
    committable.table = table;
    committable.rows = rows;
    return committable;
  }

  static Committable position(SourcePosition position) {
    Committable committable = new Committable();
    committable.position = position;
    return committable;
  }
}
