package io.cdcplatform.ingest;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.pipeline.PipelineDefinitions;
import io.cdcplatform.source.SourceSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL for one test class, with the schema owner role the job logs in as; register it
 * as a static extension field.
 */
final class ShopDatabase implements BeforeAllCallback, AfterAllCallback {

  static final String OWNER = "shop_owner";
  static final String OWNER_PASSWORD = "owner-secret";
  static final String CAPTURE = "cdc_capture";
  static final String CAPTURE_PASSWORD = "capture-secret";
  static final String PUBLICATION = "cdc_publication";

  private final boolean migrated;
  private Path directory;
  LocalPostgres postgres;
  JdbcTarget target;

  private ShopDatabase(boolean migrated) {
    this.migrated = migrated;
  }

  /** A database with the shop schema migrated and prepared for capture. */
  static ShopDatabase migrated() {
    return new ShopDatabase(true);
  }

  /** A database holding nothing but the owner role. */
  static ShopDatabase empty() {
    return new ShopDatabase(false);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    directory = Files.createTempDirectory("shop-db");
    postgres = LocalPostgres.start(0, directory.resolve("data"), directory.resolve("postgres.log"));
    postgres.createOwnerRole(OWNER, OWNER_PASSWORD);
    target = JdbcTarget.parse(postgres.jdbcUrl());
    if (migrated) {
      migrate();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    postgres.close();
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  /**
   * Applies the migrations, as the job does at start, then prepares capture from the chart's shop
   * definition, as source-setup does before the connector starts.
   */
  void migrate() throws Exception {
    ShopSchema.migrate(target, OWNER, OWNER_PASSWORD);
    try (Connection connection = owner()) {
      SourceSetup.apply(
          connection,
          PipelineDefinitions.load(
              Path.of(
                  System.getProperty("cdc.home", "../../.."), "helm/cdc-platform/files/pipeline")),
          new SourceSetup.Capture(CAPTURE, CAPTURE_PASSWORD, PUBLICATION));
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
}
