package io.cdcplatform.flink;

import io.cdcplatform.pipeline.PipelineDefinition;
import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.metrics.Counter;
import org.apache.flink.types.Row;

/**
 * Commits every analytics table of the job, and the source position their results reflect, in one
 * PostgreSQL transaction per completed checkpoint.
 *
 * <p>A checkpoint's barrier follows a whole source transaction ({@link TransactionSequencer}), so
 * the results it carries reflect exactly the source transactions up to its position. Committing all
 * tables with that position at once means a reader never sees a state the source never had: not a
 * part of a transaction, not one table ahead of another. A reader who reads {@code
 * analytics.source_position} in the same snapshot as the tables knows which source state they show.
 *
 * <p>Each table holds the newest row of each group (upserts, and deletes of groups that are gone),
 * so committing a checkpoint again is harmless: after a crash the checkpoints restored with the job
 * are committed again, whether or not they were before. When a table refuses a row for what it
 * holds, the transaction is written again row by row: the refused groups are left out and named in
 * the ledger, every other group is stored ({@link ResultTable}). Any other failure (the database
 * unreachable, out of space) fails the checkpoint's commit and the job retries it: results are
 * never lost, only late.
 *
 * <p>A run that starts without state (the first, or the first of a new generation of the
 * definition) computes every result afresh from the change topics: its first commit deletes every
 * row the tables held, and the source position, before it writes its own, in the same transaction.
 * Rows an earlier run left for groups that no longer exist, or that an analytic's earlier query
 * computed, are gone with it; readers see the old results until then, never empty tables. DELETE,
 * not TRUNCATE, so that a reader's snapshot taken before keeps seeing the old rows.
 */
final class ResultsCommitter extends CommitOnCheckpointSink<Committable, ResultsCommitter.Pending> {

  private static final long serialVersionUID = 1L;

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ResultsCommitter.class);

  /** One checkpoint's results, table by table, and its position. */
  static final class Pending implements Serializable {
    private static final long serialVersionUID = 1L;
    final LinkedHashMap<String, LinkedHashMap<List<Object>, Row>> tables = new LinkedHashMap<>();
    SourcePosition position;

    /** The first batch of a run without state: the tables are emptied before it is written. */
    boolean replacesAll;
  }

  private final String pipeline;
  private final List<ResultTable.Target> targets;
  private transient SinkConnection connection;
  private transient Map<String, ResultTable> tables;
  private transient boolean replacing;

  ResultsCommitter(String pipeline, List<ResultTable.Target> targets) {
    super("committed-results");
    this.pipeline = pipeline;
    this.targets = List.copyOf(targets);
  }

  @Override
  void initialize() {
    ResultTable.Target first = targets.get(0);
    connection = new SinkConnection(first.jdbcUrl(), first.user(), first.password());
    Counter notStored = getRuntimeContext().getMetricGroup().counter("resultsNotStored");
    tables = new LinkedHashMap<>();
    for (ResultTable.Target target : targets) {
      tables.put(target.table(), new ResultTable(target, notStored));
    }
    try {
      connection.commit(
          db -> {
            for (ResultTable table : tables.values()) {
              table.readLedger(db);
            }
          });
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the ledger " + Unapplied.TABLE + ": " + e.getMessage(), e);
    }
  }

  @Override
  void starting(boolean restored) {
    replacing = !restored;
  }

  @Override
  Pending newBatch() {
    Pending batch = new Pending();
    batch.replacesAll = replacing;
    replacing = false;
    return batch;
  }

  @Override
  @SuppressWarnings("unchecked")
  void add(Pending batch, Committable committable) {
    if (committable.position != null) {
      batch.position = committable.position;
      return;
    }
    try {
      batch
          .tables
          .computeIfAbsent(committable.table, t -> new LinkedHashMap<>())
          .putAll((Map<List<Object>, Row>) JavaBytes.read(committable.rows));
    } catch (IOException e) {
      throw new IllegalStateException("unreadable results of " + committable.table, e);
    }
  }

  @Override
  void commit(List<Pending> batches) throws SQLException {
    Map<String, LinkedHashMap<List<Object>, Row>> merged = new LinkedHashMap<>();
    SourcePosition position = null;
    boolean replacesAll = batches.stream().anyMatch(batch -> batch.replacesAll);
    for (Pending batch : batches) {
      batch.tables.forEach(
          (table, rows) -> merged.computeIfAbsent(table, t -> new LinkedHashMap<>()).putAll(rows));
      if (batch.position != null) {
        position = batch.position;
      } else if (!batch.tables.isEmpty() && position != null && position.cutRound > 0) {
        // Results past a verification cut committed with it: the position is no longer the cut.
        position = position.cut(0, 0);
      }
    }
    if (merged.isEmpty() && position == null && !replacesAll) {
      return;
    }
    Map<String, Set<String>> healed = new HashMap<>();
    merged.forEach((table, rows) -> healed.put(table, tables.get(table).healedBy(rows)));
    SourcePosition reached = position;
    List<Unapplied.Entry> refused = new ArrayList<>();
    try {
      connection.commit(
          db -> {
            if (replacesAll) {
              deleteAll(db);
            }
            for (Map.Entry<String, LinkedHashMap<List<Object>, Row>> table : merged.entrySet()) {
              tables.get(table.getKey()).writeAll(db, table.getValue(), healed.get(table.getKey()));
            }
            writePosition(db, reached);
          });
    } catch (SQLException e) {
      if (!ResultTable.refusedByTheTable(e)) {
        throw e;
      }
      // A group refused again is cleared and entered anew, in this one transaction.
      connection.commit(
          db -> {
            refused.clear();
            if (replacesAll) {
              deleteAll(db);
            }
            for (Map.Entry<String, LinkedHashMap<List<Object>, Row>> table : merged.entrySet()) {
              tables
                  .get(table.getKey())
                  .writeEach(db, table.getValue(), healed.get(table.getKey()), refused);
            }
            Unapplied.record(db, refused);
            writePosition(db, reached);
          });
    }
    for (String table : merged.keySet()) {
      tables.get(table).committed(healed.get(table), refused);
    }
  }

  /** Every row of every table this committer writes, and the position they reflected. */
  private void deleteAll(Connection db) throws SQLException {
    try (java.sql.Statement delete = db.createStatement()) {
      for (String table : tables.keySet()) {
        delete.addBatch("DELETE FROM " + table);
      }
      delete.executeBatch();
    }
    try (PreparedStatement delete =
        db.prepareStatement(
            "DELETE FROM " + PipelineDefinition.SOURCE_POSITION + " WHERE pipeline = ?")) {
      delete.setString(1, pipeline);
      delete.executeUpdate();
    }
    LOG.info("a run without state replaces every result in {}", tables.keySet());
  }

  private void writePosition(Connection db, SourcePosition position) throws SQLException {
    if (position == null) {
      return;
    }
    try (PreparedStatement upsert =
        db.prepareStatement(
            "INSERT INTO "
                + PipelineDefinition.SOURCE_POSITION
                + " (pipeline, txid, commit_lsn, committed_at, applied_at, cut_round,"
                + " next_txid) VALUES (?, ?, ?::pg_lsn, ?, now(), ?, ?)"
                + " ON CONFLICT (pipeline) DO UPDATE SET txid = EXCLUDED.txid,"
                + " commit_lsn = EXCLUDED.commit_lsn, committed_at = EXCLUDED.committed_at,"
                + " applied_at = EXCLUDED.applied_at, cut_round = EXCLUDED.cut_round,"
                + " next_txid = EXCLUDED.next_txid")) {
      upsert.setString(1, pipeline);
      upsert.setLong(2, position.txId);
      upsert.setString(3, lsnText(position.commitLsn));
      upsert.setObject(4, Instant.ofEpochMilli(position.commitMillis).atOffset(ZoneOffset.UTC));
      if (position.cutRound > 0) {
        upsert.setLong(5, position.cutRound);
        upsert.setLong(6, position.nextTxId);
      } else {
        upsert.setNull(5, java.sql.Types.BIGINT);
        upsert.setNull(6, java.sql.Types.BIGINT);
      }
      upsert.executeUpdate();
    }
  }

  /** An LSN as PostgreSQL writes it: {@code 16/B374D848}. */
  static String lsnText(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase()
        + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
    }
  }
}
