package io.cdcplatform.flink;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.table.connector.RuntimeConverter;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

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

  /** Where and what to write. */
  /**
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

  /** The batches merged, newest row per key, written in one database transaction. */
  @Override
  void commit(List<LinkedHashMap<List<Object>, Row>> batches) throws SQLException {
    Map<List<Object>, Row> merged = new LinkedHashMap<>();
    for (Map<List<Object>, Row> batch : batches) {
      merged.putAll(batch);
    }
    connection.commit(
        db -> {
          try (PreparedStatement upsert = db.prepareStatement(target.upsert());
              PreparedStatement delete = db.prepareStatement(target.delete())) {
            for (Map.Entry<List<Object>, Row> entry : merged.entrySet()) {
              Row row = entry.getValue();
              if (row.getKind() == RowKind.DELETE) {
                for (int i = 0; i < target.key().size(); i++) {
                  delete.setObject(i + 1, jdbcValue(entry.getKey().get(i)));
                }
                delete.addBatch();
              } else {
                for (int i = 0; i < target.columns().size(); i++) {
                  upsert.setObject(i + 1, jdbcValue(row.getField(i)));
                }
                upsert.addBatch();
              }
            }
            delete.executeBatch();
            upsert.executeBatch();
          }
        });
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
