package io.cdcplatform.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The shop schema: applies its migrations (its tables) and checks that a database already holds it.
 * What capture needs (publication, replica identity, capture role) is source-setup's, from the
 * pipeline definition.
 */
public final class ShopSchema {

  /** The schema that holds the shop. */
  public static final String SCHEMA = "shop";

  /** The tables change data capture reads, in the order the publication lists them. */
  public static final List<String> CAPTURED_TABLES =
      List.of("customers", "products", "orders", "heartbeat");

  private ShopSchema() {}

  /**
   * Applies pending migrations.
   *
   * @return the result, with the number applied and the schema version
   * @throws IngestException when a migration fails
   */
  public static MigrateResult migrate(JdbcTarget target, String user, String password)
      throws IngestException {
    Flyway flyway =
        Flyway.configure()
            .dataSource(target.url(), user, password)
            .schemas(SCHEMA)
            .createSchemas(true)
            .locations("classpath:db/migration")
            // V2 created the CDC publication until source-setup took that over.
            .ignoreMigrationPatterns("*:missing")
            .loggers("slf4j")
            .load();
    try {
      return flyway.migrate();
    } catch (FlywayException e) {
      throw new IngestException(
          "migrations of schema "
              + SCHEMA
              + " at "
              + target.describe()
              + " failed: "
              + JdbcTarget.firstLine(e.getMessage()),
          e);
    }
  }

  /**
   * Checks that the database already holds the shop schema, for runs that do not migrate.
   *
   * @throws IngestException naming what is missing and how to create it
   */
  public static void requirePresent(Connection connection, JdbcTarget target)
      throws IngestException {
    try {
      List<String> missing = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement("SELECT to_regclass(?)")) {
        for (String table : CAPTURED_TABLES) {
          query.setString(1, SCHEMA + "." + table);
          try (ResultSet rs = query.executeQuery()) {
            rs.next();
            if (rs.getString(1) == null) {
              missing.add(table);
            }
          }
        }
      }
      if (missing.size() == CAPTURED_TABLES.size()) {
        throw new IngestException(
            "schema '"
                + SCHEMA
                + "' is missing from "
                + target.describe()
                + ": run with --migrate (the default) to create it");
      }
      if (!missing.isEmpty()) {
        throw new IngestException(
            "schema '"
                + SCHEMA
                + "' at "
                + target.describe()
                + " lacks table(s) "
                + String.join(", ", missing)
                + ": run with --migrate (the default) to create them");
      }
    } catch (SQLException e) {
      throw new IngestException(
          "could not inspect schema '"
              + SCHEMA
              + "' at "
              + target.describe()
              + ": "
              + JdbcTarget.firstLine(e.getMessage()),
          e);
    }
  }
}
