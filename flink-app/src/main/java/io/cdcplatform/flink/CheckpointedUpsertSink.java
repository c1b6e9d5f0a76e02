package io.cdcplatform.flink;

import java.io.Serializable;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.sink.RichSinkFunction;
import org.apache.flink.table.connector.RuntimeConverter;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;

/**
 * Writes an upsert changelog into a PostgreSQL table so that the table only ever shows results of
 * completed checkpoints.
 *
 * <p>Rows are collected per key between checkpoints; the batch of each checkpoint is kept in
 * operator state and written, in one database transaction, when that checkpoint completes. After a
 * crash the job resumes from its last completed checkpoint and writes that checkpoint's batch again
 * (the writes are idempotent: upserts of final values and deletes). The table therefore never holds
 * a result computed after the checkpoint the job resumed from. A plain upsert sink could: on
 * replay, changes from different topics can interleave differently, so a group updated before the
 * crash may never be touched again and would keep a value no run should show.
 */
final class CheckpointedUpsertSink extends RichSinkFunction<RowData>
    implements CheckpointedFunction, CheckpointListener {

  private static final long serialVersionUID = 1L;

  /** Where and what to write. */
  record Target(
      String jdbcUrl, String user, String password, String table, List<String> columns, int keys)
      implements Serializable {

    String upsert() {
      String placeholders = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
      String keyList = String.join(", ", columns.subList(0, keys));
      String updates =
          columns.subList(keys, columns.size()).stream()
              .map(c -> c + " = EXCLUDED." + c)
              .collect(Collectors.joining(", "));
      return "INSERT INTO "
          + table
          + " ("
          + String.join(", ", columns)
          + ") VALUES ("
          + placeholders
          + ") ON CONFLICT ("
          + keyList
          + ") DO UPDATE SET "
          + updates;
    }

    String delete() {
      return "DELETE FROM "
          + table
          + " WHERE "
          + columns.subList(0, keys).stream()
              .map(c -> c + " = ?")
              .collect(Collectors.joining(" AND "));
    }
  }

  private final Target target;
  private final DynamicTableSink.DataStructureConverter converter;
  private transient Map<List<Object>, Row> current;
  private transient TreeMap<Long, Map<List<Object>, Row>> pending;
  private transient ListState<byte[]> state;
  private transient SinkConnection connection;

  CheckpointedUpsertSink(Target target, DynamicTableSink.DataStructureConverter converter) {
    this.target = target;
    this.converter = converter;
  }

  @Override
  public void open(OpenContext openContext) {
    converter.open(RuntimeConverter.Context.create(getRuntimeContext().getUserCodeClassLoader()));
  }

  @Override
  public void invoke(RowData data, Context context) {
    Row row = (Row) converter.toExternal(data);
    if (row.getKind() == RowKind.UPDATE_BEFORE) {
      return; // the UPDATE_AFTER that follows replaces it
    }
    List<Object> key = new java.util.ArrayList<>(target.keys());
    for (int i = 0; i < target.keys(); i++) {
      key.add(row.getField(i));
    }
    current.put(key, row);
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    pending.put(context.getCheckpointId(), current);
    current = new LinkedHashMap<>();
    state.update(List.of(SinkConnection.toBytes(pending)));
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    Map<Long, Map<List<Object>, Row>> due = pending.headMap(checkpointId, true);
    if (due.isEmpty()) {
      return;
    }
    write(due.values());
    due.clear();
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    state = SinkConnection.batchState(context, "pending-" + target.table());
    current = new LinkedHashMap<>();
    pending = new TreeMap<>();
    connection = new SinkConnection(target.jdbcUrl(), target.user(), target.password());
    if (context.isRestored()) {
      for (byte[] bytes : state.get()) {
        pending.putAll(SinkConnection.<TreeMap<Long, Map<List<Object>, Row>>>fromBytes(bytes));
      }
      // Every restored batch belongs to a completed checkpoint (the one restored or an earlier
      // one): write them now, whether or not they were written before the crash.
      if (!pending.isEmpty()) {
        write(pending.values());
        pending.clear();
      }
    }
  }

  private void write(Iterable<Map<List<Object>, Row>> batches) throws SQLException {
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
                for (int i = 0; i < target.keys(); i++) {
                  delete.setObject(i + 1, entry.getKey().get(i));
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
    connection.close();
  }
}
