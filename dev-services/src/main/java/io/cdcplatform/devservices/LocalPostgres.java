package io.cdcplatform.devservices;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;

/**
 * A real PostgreSQL 17 server on this machine, configured as the platform's source database must
 * be: logical WAL, replication slots, and password authentication for every role but the local
 * superuser.
 */
public final class LocalPostgres implements AutoCloseable {

  /** The superuser that owns the database; it authenticates without a password on loopback. */
  public static final String SUPERUSER = "postgres";

  /** The database the platform uses. */
  public static final String DATABASE = "postgres";

  // The superuser keeps trust so tests and the launcher can administer the server; every other
  // role (the ingest owner, the capture role) must present a SCRAM password, as in production.
  private static final String HBA =
      """
      local all all trust
      host all %1$s 127.0.0.1/32 trust
      host all %1$s ::1/128 trust
      host replication %1$s 127.0.0.1/32 trust
      host all all 127.0.0.1/32 scram-sha-256
      host all all ::1/128 scram-sha-256
      host replication all 127.0.0.1/32 scram-sha-256
      host replication all ::1/128 scram-sha-256
      """
          .formatted(SUPERUSER);

  private final EmbeddedPostgres server;
  private final int port;
  private final Path dataDirectory;

  private LocalPostgres(EmbeddedPostgres server, int port, Path dataDirectory) {
    this.server = server;
    this.port = port;
    this.dataDirectory = dataDirectory;
  }

  /** Where the cluster's files live. */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /**
   * Starts a fresh server.
   *
   * @param port the TCP port on loopback, or 0 for any free port
   * @param dataDirectory where the cluster lives; emptied first
   * @param logFile where the server writes its log
   */
  public static LocalPostgres start(int port, Path dataDirectory, Path logFile) throws IOException {
    Files.createDirectories(dataDirectory);
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(true)
            // The owner of this object stops the server, in the order the pipeline needs.
            .setRegisterShutdownHook(false)
            .setDataDirectoryCustomizer(LocalPostgres::requirePasswords)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .setServerConfig("wal_level", "logical")
            // An acknowledged commit survives a crash of the server process. (fsync stays off, as
            // the embedded server sets it: only a crash of the whole machine could lose data.)
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_replication_slots", "10")
            .setServerConfig("max_wal_senders", "10")
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("password_encryption", "scram-sha-256");
    if (port > 0) {
      builder.setPort(port);
    }
    EmbeddedPostgres server = builder.start();
    return new LocalPostgres(server, server.getPort(), dataDirectory);
  }

  // Runs after initdb and before the server starts.
  private static void requirePasswords(java.io.File dataDirectory) {
    try {
      Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), HBA);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  /** A JDBC URL for the platform's database on this server. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  /** A new connection as the superuser. */
  public Connection superuserConnection() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), SUPERUSER, "");
  }

  /**
   * Creates (or resets the password of) the role that owns the platform's schema: it logs in with a
   * password, may create the capture role (CREATEROLE and REPLICATION, since only a role with
   * REPLICATION may grant it) and may create schemas and publications in the database.
   */
  public void createOwnerRole(String role, String password) {
    Objects.requireNonNull(password, "password");
    try (Connection connection = superuserConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
              + quoteLiteral(role)
              + ") THEN EXECUTE format('CREATE ROLE %I', "
              + quoteLiteral(role)
              + "); END IF; END $$");
      statement.execute(
          "ALTER ROLE "
              + quoteIdentifier(role)
              + " WITH LOGIN CREATEROLE REPLICATION PASSWORD "
              + quoteLiteral(password));
      statement.execute(
          "GRANT CREATE ON DATABASE " + quoteIdentifier(DATABASE) + " TO " + quoteIdentifier(role));
    } catch (SQLException e) {
      throw new IllegalStateException("could not create role " + role + ": " + e.getMessage(), e);
    }
  }

  private static String quoteLiteral(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  private static String quoteIdentifier(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
