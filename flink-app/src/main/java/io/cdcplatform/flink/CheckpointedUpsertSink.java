package io.cdcplatform.flink;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.connector.RuntimeConverter;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an upsert changelog into a PostgreSQL table so that the table only ever shows results of
 * completed checkpoints.
 *
 * <p>Rows are collected per key between checkpoints and written, in one database transaction, when
 * their checkpoint completes ({@link CommitOnCheckpointSink}); the writes are idempotent (upserts
 * of final values and deletes). The table therefore never holds a result computed after the
 * checkpoint the job resumed from. A plain upsert sink could: on replay, changes from different
 * topics can interleave differently, so a group updated before the crash may never be touched again
 * and would keep a value no run should show.
 */
final class CheckpointedUpsertSink
    extends CommitOnCheckpointSink<RowData, LinkedHashMap<List<Object>, Row>> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointedUpsertSink.class);

  /**
   * Where and what to write.
   *
   * @param key positions of the primary key's columns in {@code columns}
   */
  record Target(
      String jdbcUrl,
      String user,
      String password,
      String table,
      List<String> columns,
      List<Integer> key)
      implements Serializable {

    List<String> keyColumns() {
      return key.stream().map(columns::get).collect(Collectors.toList());
    }

    String upsert() {
      String placeholders = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
      List<String> values = new ArrayList<>(columns);
      values.removeAll(keyColumns());
      String onConflict =
          values.isEmpty()
              ? "DO NOTHING"
              : "DO UPDATE SET "
                  + values.stream()
                      .map(c -> c + " = EXCLUDED." + c)
                      .collect(Collectors.joining(", "));
      return "INSERT INTO "
          + table
          + " ("
          + String.join(", ", columns)
          + ") VALUES ("
          + placeholders
          + ") ON CONFLICT ("
          + String.join(", ", keyColumns())
          + ") "
          + onConflict;
    }

    String delete() {
      return "DELETE FROM "
          + table
          + " WHERE "
          + keyColumns().stream().map(c -> c + " = ?").collect(Collectors.joining(" AND "));
    }
  }

  private final Target target;
  private final DynamicTableSink.DataStructureConverter converter;
  private transient SinkConnection connection;

  /** Item ids of this table's groups in the ledger, cleared when a result of theirs is stored. */
  private transient Set<String> notStored;

  private transient Counter resultsNotStored;

  CheckpointedUpsertSink(Target target, DynamicTableSink.DataStructureConverter converter) {
    super("pending-" + target.table());
    this.target = target;
    this.converter = converter;
  }

  @Override
  public void open(OpenContext openContext) {
    converter.open(RuntimeConverter.Context.create(getRuntimeContext().getUserCodeClassLoader()));
  }

  @Override
  void initialize() {
    connection = new SinkConnection(target.jdbcUrl(), target.user(), target.password());
    resultsNotStored = getRuntimeContext().getMetricGroup().counter("resultsNotStored");
    notStored = new HashSet<>();
    try {
      connection.commit(
          db ->
              notStored.addAll(
                  Unapplied.itemIds(db, target.table(), Unapplied.Kind.RESULT_NOT_STORED)));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the ledger " + Unapplied.TABLE + ": " + e.getMessage(), e);
    }
  }

  @Override
  LinkedHashMap<List<Object>, Row> newBatch() {
    return new LinkedHashMap<>();
  }

  @Override
  void add(LinkedHashMap<List<Object>, Row> batch, RowData data) {
    Row row = (Row) converter.toExternal(data);
    if (row.getKind() == RowKind.UPDATE_BEFORE) {
      return; // the UPDATE_AFTER that follows replaces it
    }
    List<Object> key = new ArrayList<>(target.key().size());
    for (int position : target.key()) {
      key.add(row.getField(position));
    }
    batch.put(key, row);
  }

  /**
   * The batches merged, newest row per key, written in one database transaction. When the table
   * refuses a row for what it holds (a value too long for the key's index, a constraint, a value
   * out of range), the transaction is written again row by row: each refused group is left out of
   * the table and entered in the ledger ({@link Unapplied}), and every other group is stored. A
   * group's entry is cleared when a later result of it is stored. Any other failure (the database
   * unreachable, out of space) fails the checkpoint's commit, and the job retries it.
   */
  @Override
  void commit(List<LinkedHashMap<List<Object>, Row>> batches) throws SQLException {
    Map<List<Object>, Row> merged = new LinkedHashMap<>();
    for (Map<List<Object>, Row> batch : batches) {
      merged.putAll(batch);
    }
    Set<String> healed = new HashSet<>();
    if (!notStored.isEmpty()) {
      for (List<Object> key : merged.keySet()) {
        String id = Unapplied.id(keyText(key));
        if (notStored.contains(id)) {
          healed.add(id);
        }
      }
    }
    List<Unapplied.Entry> refused = new ArrayList<>();
    try {
      connection.commit(
          db -> {
            writeAll(db, merged);
            Unapplied.clear(db, target.table(), healed);
          });
    } catch (SQLException e) {
      if (!refusedByTheTable(e)) {
        throw e;
      }
      // A group refused again is cleared and entered anew, in this one transaction.
      connection.commit(
          db -> {
            refused.clear();
            writeEach(db, merged, refused);
            Unapplied.clear(db, target.table(), healed);
            Unapplied.record(db, refused);
          });
    }
    notStored.removeAll(healed);
    for (Unapplied.Entry entry : refused) {
      notStored.add(Unapplied.id(entry.item()));
      resultsNotStored.inc();
      LOG.warn(
          "{} refused the result of group {}: {}", target.table(), entry.item(), entry.reason());
    }
  }

  private void writeAll(Connection db, Map<List<Object>, Row> rows) throws SQLException {
    try (PreparedStatement upsert = db.prepareStatement(target.upsert());
        PreparedStatement delete = db.prepareStatement(target.delete())) {
      for (Map.Entry<List<Object>, Row> entry : rows.entrySet()) {
        bound(entry, upsert, delete).addBatch();
      }
      delete.executeBatch();
      upsert.executeBatch();
    }
  }

  /** Each row under its own savepoint; a refused one is deleted from the table and reported. */
  private void writeEach(Connection db, Map<List<Object>, Row> rows, List<Unapplied.Entry> refused)
      throws SQLException {
    try (PreparedStatement upsert = db.prepareStatement(target.upsert());
        PreparedStatement delete = db.prepareStatement(target.delete())) {
      for (Map.Entry<List<Object>, Row> entry : rows.entrySet()) {
        String item = keyText(entry.getKey());
        Savepoint savepoint = db.setSavepoint();
        try {
          bound(entry, upsert, delete).executeUpdate();
          db.releaseSavepoint(savepoint);
        } catch (SQLException e) {
          if (!refusedByTheTable(e)) {
            throw e;
          }
          db.rollback(savepoint);
          // The group's older result would be stale: leave the group out instead.
          bindKey(delete, entry.getKey());
          delete.executeUpdate();
          refused.add(
              new Unapplied.Entry(
                  target.table(),
                  item,
                  Unapplied.Kind.RESULT_NOT_STORED,
                  firstLine(e),
                  "The group is left out of "
                      + target.table()
                      + " until a later result of it can be stored, which clears this entry;"
                      + " the other groups are stored as usual"));
        }
      }
    }
  }

  /** The statement that writes a merged row (an upsert, or a delete of its key), bound to it. */
  private PreparedStatement bound(
      Map.Entry<List<Object>, Row> entry, PreparedStatement upsert, PreparedStatement delete)
      throws SQLException {
    if (entry.getValue().getKind() == RowKind.DELETE) {
      bindKey(delete, entry.getKey());
      return delete;
    }
    bindRow(upsert, entry.getValue());
    return upsert;
  }

  private void bindKey(PreparedStatement statement, List<Object> key) throws SQLException {
    for (int i = 0; i < key.size(); i++) {
      statement.setObject(i + 1, jdbcValue(key.get(i)));
    }
  }

  private void bindRow(PreparedStatement statement, Row row) throws SQLException {
    for (int i = 0; i < target.columns().size(); i++) {
      statement.setObject(i + 1, jdbcValue(row.getField(i)));
    }
  }

  /** A group's key as the ledger names it: {@code (column=value, ...)}. */
  private String keyText(List<Object> key) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < key.size(); i++) {
      parts.add(target.keyColumns().get(i) + "=" + key.get(i));
    }
    return "(" + String.join(", ", parts) + ")";
  }

  /**
   * Whether PostgreSQL refused the data rather than failed: a data exception (class 22), an
   * integrity constraint (23) or a program limit such as the index row size (54).
   */
  static boolean refusedByTheTable(SQLException e) {
    for (SQLException next = e; next != null; next = next.getNextException()) {
      String state = next.getSQLState();
      if (state != null
          && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"))) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(SQLException e) {
    SQLException cause = e;
    while (cause.getNextException() != null) {
      cause = cause.getNextException();
    }
    String message = cause.getMessage() == null ? cause.getSQLState() : cause.getMessage();
    return message.lines().findFirst().orElse(message) + " (SQLSTATE " + cause.getSQLState() + ")";
  }

  // The driver takes instants as offset date-times.
  private static Object jdbcValue(Object value) {
    return value instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : value;
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
    }
  }
}
