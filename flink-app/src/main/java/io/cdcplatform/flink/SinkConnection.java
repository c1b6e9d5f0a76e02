package io.cdcplatform.flink;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * The PostgreSQL connection of a sink that commits with checkpoints: opened on first use without
 * auto-commit, and dropped after a failed transaction so that the next write starts afresh.
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
}
