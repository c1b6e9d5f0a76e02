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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.metrics.Counter;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One analytics table as the job keeps it: the newest result of every group written by upsert (a
 * group that is gone, deleted), within a database transaction the caller commits ({@link
 * ResultsCommitter} commits every table's results of a checkpoint, with the source position they
 * reflect, in one). Groups the table refuses are left out of it and named in the ledger.
 */
final class ResultTable {

  private static final Logger LOG = LoggerFactory.getLogger(ResultTable.class);

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

  /** Item ids of this table's groups in the ledger, cleared when a result of theirs is stored. */
  private final Set<String> notStored = new HashSet<>();

  private final Counter resultsNotStored;

  ResultTable(Target target, Counter resultsNotStored) {
    this.target = target;
    this.resultsNotStored = resultsNotStored;
  }

  Target target() {
    return target;
  }

  /** Reads which groups of the table the ledger names as not stored. */
  void readLedger(Connection db) throws SQLException {
    notStored.addAll(Unapplied.itemIds(db, target.table(), Unapplied.Kind.RESULT_NOT_STORED));
  }

  /** Takes a result into a batch: the newest row per key; an UPDATE_BEFORE is replaced anyway. */
  static void add(Target target, Map<List<Object>, Row> batch, Row row) {
    if (row.getKind() == RowKind.UPDATE_BEFORE) {
      return; // the UPDATE_AFTER that follows replaces it
    }
    List<Object> key = new ArrayList<>(target.key().size());
    for (int position : target.key()) {
      key.add(row.getField(position));
    }
    batch.put(key, row);
  }

  /** The groups of the batch the ledger names: storing them now clears their entries. */
  Set<String> healedBy(Map<List<Object>, Row> rows) {
    Set<String> healed = new HashSet<>();
    if (!notStored.isEmpty()) {
      for (List<Object> key : rows.keySet()) {
        String id = Unapplied.id(keyText(key));
        if (notStored.contains(id)) {
          healed.add(id);
        }
      }
    }
    return healed;
  }

  /** Writes the rows as one batch, and clears the ledger entries of the healed groups. */
  void writeAll(Connection db, Map<List<Object>, Row> rows, Set<String> healed)
      throws SQLException {
    try (PreparedStatement upsert = db.prepareStatement(target.upsert());
        PreparedStatement delete = db.prepareStatement(target.delete())) {
      for (Map.Entry<List<Object>, Row> entry : rows.entrySet()) {
        bound(entry, upsert, delete).addBatch();
      }
      delete.executeBatch();
      upsert.executeBatch();
    }
    Unapplied.clear(db, target.table(), healed);
  }

  /**
   * Writes each row under its own savepoint; a group the table refuses is deleted from it (its
   * older result would be stale) and entered in the ledger. Entries of healed groups are cleared.
   */
  void writeEach(
      Connection db, Map<List<Object>, Row> rows, Set<String> healed, List<Unapplied.Entry> refused)
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
    Unapplied.clear(db, target.table(), healed);
  }

  /** After the transaction committed: what the ledger now says of this table. */
  void committed(Set<String> healed, List<Unapplied.Entry> refused) {
    notStored.removeAll(healed);
    for (Unapplied.Entry entry : refused) {
      if (!entry.subject().equals(target.table())) {
        continue;
      }
      notStored.add(Unapplied.id(entry.item()));
      resultsNotStored.inc();
      LOG.warn(
          "{} refused the result of group {}: {}", target.table(), entry.item(), entry.reason());
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
}
