package io.cdcplatform.ingest;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.PGProperty;

/**
 * A PostgreSQL database named by a JDBC URL, checked for form before any connection is tried, and a
 * way to connect to it that turns driver errors into one line saying which setting is wrong.
 */
public final class JdbcTarget {

  private static final String EXPECTED = "jdbc:postgresql://HOST[:PORT]/DATABASE[?PARAMS]";

  private final String url;
  private final String host;
  private final String port;
  private final String database;

  private JdbcTarget(String url, String host, String port, String database) {
    this.url = url;
    this.host = host;
    this.port = port;
    this.database = database;
  }

  /**
   * Checks the form of a JDBC URL.
   *
   * @throws IllegalArgumentException naming the expected form
   */
  public static JdbcTarget parse(String url) {
    Properties parsed = url.startsWith("jdbc:postgresql://") ? Driver.parseURL(url, null) : null;
    if (parsed == null) {
      throw new IllegalArgumentException("expected " + EXPECTED + ", got '" + url + "'");
    }
    String host = PGProperty.PG_HOST.getOrDefault(parsed);
    String database = PGProperty.PG_DBNAME.getOrDefault(parsed);
    if (host == null || host.isBlank() || database == null || database.isBlank()) {
      throw new IllegalArgumentException(
          "expected " + EXPECTED + " with a host and a database, got '" + url + "'");
    }
    return new JdbcTarget(url, host, PGProperty.PG_PORT.getOrDefault(parsed), database);
  }

  /** The URL as given. */
  public String url() {
    return url;
  }

  /** {@code host:port/database}, for messages. */
  public String describe() {
    return host + ":" + port + "/" + database;
  }

  /** The database name. */
  public String database() {
    return database;
  }

  /**
   * Opens a connection.
   *
   * @throws IngestException with one line naming the setting at fault
   */
  public Connection connect(String user, String password, String applicationName)
      throws IngestException {
    Properties properties = new Properties();
    properties.setProperty(PGProperty.USER.getName(), user);
    properties.setProperty(PGProperty.PASSWORD.getName(), password);
    properties.setProperty(PGProperty.APPLICATION_NAME.getName(), applicationName);
    properties.setProperty(PGProperty.CONNECT_TIMEOUT.getName(), "10");
    properties.setProperty(PGProperty.TCP_KEEP_ALIVE.getName(), "true");
    try {
      return DriverManager.getConnection(url, properties);
    } catch (SQLException e) {
      throw new IngestException(explain(e, user), e);
    }
  }

  private String explain(SQLException e, String user) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    return switch (state) {
      case "28P01" ->
          "--password: PostgreSQL at "
              + describe()
              + " rejected the password of user '"
              + user
              + "'";
      case "28000" ->
          "--user: PostgreSQL at "
              + describe()
              + " does not let user '"
              + user
              + "' connect: "
              + firstLine(e.getMessage());
      case "3D000" ->
          "--jdbc-url: database '" + database + "' does not exist at " + host + ":" + port;
      default -> {
        Throwable cause = rootCause(e);
        if (cause instanceof ConnectException
            || cause instanceof UnknownHostException
            || cause instanceof NoRouteToHostException
            || cause instanceof SocketTimeoutException
            || state.startsWith("08")) {
          yield "--jdbc-url: cannot reach PostgreSQL at "
              + host
              + ":"
              + port
              + " ("
              + firstLine(cause.toString())
              + ")";
        }
        yield "could not connect to PostgreSQL at "
            + describe()
            + ": "
            + firstLine(e.getMessage())
            + " (SQL state "
            + state
            + ")";
      }
    };
  }

  private static Throwable rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }

  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
