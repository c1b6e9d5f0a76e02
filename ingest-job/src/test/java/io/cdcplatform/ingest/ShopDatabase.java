package io.cdcplatform.ingest;

import io.cdcplatform.devservices.LocalPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A real PostgreSQL for one test class, with the schema owner role the job logs in as. */
final class ShopDatabase implements AutoCloseable {

  static final String OWNER = "shop_owner";
  static final String OWNER_PASSWORD = "owner-secret";
  static final String CAPTURE = "cdc_capture";
  static final String CAPTURE_PASSWORD = "capture-secret";
  static final String PUBLICATION = "cdc_publication";

  final LocalPostgres postgres;
  final JdbcTarget target;

  private ShopDatabase(LocalPostgres postgres) {
    this.postgres = postgres;
    this.target = JdbcTarget.parse(postgres.jdbcUrl());
  }

  static ShopDatabase start(Path directory) throws Exception {
    LocalPostgres postgres =
        LocalPostgres.start(0, directory.resolve("data"), directory.resolve("postgres.log"));
    postgres.createOwnerRole(OWNER, OWNER_PASSWORD);
    return new ShopDatabase(postgres);
  }

  /** Applies the migrations and grants the capture role, as the job does at start. */
  void migrate() throws Exception {
    ShopSchema.migrate(target, OWNER, OWNER_PASSWORD, PUBLICATION);
    try (Connection connection = owner()) {
      ShopSchema.grantCaptureRole(connection, CAPTURE, CAPTURE_PASSWORD);
    }
  }

  Connection owner() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), OWNER, OWNER_PASSWORD);
  }

  Connection capture() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), CAPTURE, CAPTURE_PASSWORD);
  }

  long count(String sql) throws SQLException {
    try (Connection connection = postgres.superuserConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() throws Exception {
    postgres.close();
  }
}
