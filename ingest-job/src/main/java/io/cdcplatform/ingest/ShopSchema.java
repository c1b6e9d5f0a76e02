package io.cdcplatform.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The shop schema: applies its migrations (tables, replica identity, the CDC publication), grants
 * the least-privilege capture role, and checks that a database already holds it.
 */
public final class ShopSchema {

  /** The schema that holds the shop. */
  public static final String SCHEMA = "shop";

  /** The tables change data capture reads, in the order the publication lists them. */
  public static final List<String> CAPTURED_TABLES =
      List.of("customers", "products", "orders", "heartbeat");

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private ShopSchema() {}

  /**
   * Checks that a name can be used as an unquoted PostgreSQL identifier.
   *
   * @throws IllegalArgumentException saying what is allowed
   */
  public static String requireIdentifier(String name) {
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "expected a lower-case identifier (letters, digits, underscores; at most 63; not"
              + " starting with a digit), got '"
              + name
              + "'");
    }
    return name;
  }

  /**
   * Applies pending migrations.
   *
   * @return the result, with the number applied and the schema version
   * @throws IngestException when a migration fails
   */
  public static MigrateResult migrate(
      JdbcTarget target, String user, String password, String publication) throws IngestException {
    Flyway flyway =
        Flyway.configure()
            .dataSource(target.url(), user, password)
            .schemas(SCHEMA)
            .createSchemas(true)
            .locations("classpath:db/migration")
            .placeholders(Map.of("publication", requireIdentifier(publication)))
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
   * Creates the capture role or resets its password, and grants it exactly what Debezium needs:
   * LOGIN and REPLICATION, SELECT on the captured tables, and INSERT/UPDATE on the heartbeat table
   * for the heartbeat action query. Refuses a role that is a superuser.
   *
   * @throws IngestException when the role cannot be set up as required
   */
  public static void grantCaptureRole(Connection connection, String role, String password)
      throws IngestException {
    requireIdentifier(role);
    try {
      boolean exists;
      try (PreparedStatement query =
          connection.prepareStatement("SELECT rolsuper FROM pg_roles WHERE rolname = ?")) {
        query.setString(1, role);
        try (ResultSet rs = query.executeQuery()) {
          exists = rs.next();
          if (exists && rs.getBoolean(1)) {
            throw new IngestException(
                "--capture-user: role '"
                    + role
                    + "' is a superuser; the capture role must be an ordinary role with"
                    + " REPLICATION");
          }
        }
      }
      if (!exists) {
        execute(connection, "CREATE ROLE " + role);
      }
      // format(%L) quotes the password on the server, so no value can break out of the literal.
      try (PreparedStatement alter =
          connection.prepareStatement(
              "SELECT format('ALTER ROLE %I WITH LOGIN REPLICATION PASSWORD %L', ?, ?)")) {
        alter.setString(1, role);
        alter.setString(2, password);
        try (ResultSet rs = alter.executeQuery()) {
          rs.next();
          execute(connection, rs.getString(1));
        }
      }
      execute(connection, "GRANT USAGE ON SCHEMA " + SCHEMA + " TO " + role);
      execute(
          connection,
          "GRANT SELECT ON "
              + String.join(", ", CAPTURED_TABLES.stream().map(t -> SCHEMA + "." + t).toList())
              + " TO "
              + role);
      execute(connection, "GRANT INSERT, UPDATE ON " + SCHEMA + ".heartbeat TO " + role);
    } catch (SQLException e) {
      throw new IngestException(
          "--capture-user: could not set up capture role '"
              + role
              + "': "
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

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
