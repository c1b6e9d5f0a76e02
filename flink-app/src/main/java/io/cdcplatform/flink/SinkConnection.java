package io.cdcplatform.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.FunctionInitializationContext;

/**
 * The PostgreSQL connection of a sink that commits with checkpoints: opened on first use without
 * auto-commit, and dropped after a failed transaction so that the next write starts afresh. Also
 * the (de)serialization of such a sink's pending batches into operator state.
 */
final class SinkConnection implements AutoCloseable {

  /** One write, committed as one transaction. */
  interface Transaction {
    void run(Connection connection) throws SQLException;
  }

  private final String url;
  private final String user;
  private final String password;
  private Connection connection;

  SinkConnection(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
  }

  void commit(Transaction transaction) throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = DriverManager.getConnection(url, user, password);
      connection.setAutoCommit(false);
    }
    try {
      transaction.run(connection);
      connection.commit();
    } catch (SQLException e) {
      try {
        connection.rollback();
      } finally {
        close();
      }
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException ignored) {
      // the connection is being replaced after a failure already reported
    }
    connection = null;
  }

  /** The operator state that holds a sink's pending batches, serialized. */
  static ListState<byte[]> batchState(FunctionInitializationContext context, String name)
      throws Exception {
    return context
        .getOperatorStateStore()
        .getListState(
            new ListStateDescriptor<>(name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
  }

  static byte[] toBytes(Object value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  static <T> T fromBytes(byte[] bytes) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (T) in.readObject();
    }
  }
}
