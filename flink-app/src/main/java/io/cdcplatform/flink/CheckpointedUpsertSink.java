package io.cdcplatform.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
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
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
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
  private transient Connection connection;

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
    state.update(List.of(serialize(pending)));
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
    state =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "pending-" + target.table(),
                    PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    current = new LinkedHashMap<>();
    pending = new TreeMap<>();
    if (context.isRestored()) {
      for (byte[] bytes : state.get()) {
        pending.putAll(deserialize(bytes));
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
    Connection db = connection();
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
      db.commit();
    } catch (SQLException e) {
      db.rollback();
      closeConnection();
      throw e;
    }
  }

  // The driver takes instants as offset date-times.
  private static Object jdbcValue(Object value) {
    return value instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : value;
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
      connection.setAutoCommit(false);
    }
    return connection;
  }

  private void closeConnection() {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException ignored) {
      // the connection is being replaced after a failure already reported
    }
    connection = null;
  }

  @Override
  public void close() {
    closeConnection();
  }

  private static byte[] serialize(TreeMap<Long, Map<List<Object>, Row>> batches)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(batches);
    }
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  private static TreeMap<Long, Map<List<Object>, Row>> deserialize(byte[] bytes)
      throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (TreeMap<Long, Map<List<Object>, Row>>) in.readObject();
    }
  }
}
