package io.cdcplatform.health;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Reads the replication slot ({@code pg_replication_slots} against {@code pg_current_wal_lsn()})
 * and the analytics tables: the newest heartbeat in them and the ledger of what could not be
 * applied to them. Opens a short-lived connection per look, so a restarted database is seen again
 * at the next look.
 */
public final class PostgresProbe {

  static final String SLOT_QUERY =
      "SELECT active, coalesce(wal_status, ''),"
          + " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint"
          + " FROM pg_replication_slots WHERE slot_name = ?";

  /** The table of the newest heartbeat, as the analytics job writes it. */
  public static final String FRESHNESS_TABLE = "analytics.freshness";

  private static final java.util.regex.Pattern TABLE =
      java.util.regex.Pattern.compile("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*");

  private static final String UNDEFINED_TABLE = "42P01";

  /** How many ledger entries an observation carries. */
  static final int LEDGER_SAMPLE = 5;

  private final String jdbcUrl;
  private final String freshnessTable;
  private final Properties properties = new Properties();

  /**
   * @param freshnessTable the heartbeat table, as {@code schema.table} in lower case
   */
  public PostgresProbe(String jdbcUrl, String user, String password, String freshnessTable) {
    if (!TABLE.matcher(freshnessTable).matches()) {
      throw new IllegalArgumentException(
          "freshnessTable: expected schema.table in lower case, got \"" + freshnessTable + "\"");
    }
    this.jdbcUrl = jdbcUrl;
    this.freshnessTable = freshnessTable;
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    properties.setProperty("connectTimeout", "3");
    properties.setProperty("socketTimeout", "5");
    properties.setProperty("ApplicationName", "cdc-pipeline-health");
  }

  public Observed<SourceObservation> observeSlot(String slot) {
    try (Connection connection = connect();
        PreparedStatement query = connection.prepareStatement(SLOT_QUERY)) {
      query.setString(1, slot);
      try (ResultSet row = query.executeQuery()) {
        if (!row.next()) {
          return Observed.of(SourceObservation.missing(slot));
        }
        return Observed.of(
            new SourceObservation(slot, true, row.getBoolean(1), row.getString(2), row.getLong(3)));
      }
    } catch (SQLException e) {
      return Observed.failed(failure(e));
    }
  }

  /** The newest heartbeat in the analytics tables, and the ledger of what could not be applied. */
  public Observed<SinkObservation> observeFreshness() {
    try (Connection connection = connect()) {
      Instant newest;
      try (PreparedStatement query =
              connection.prepareStatement("SELECT max(beat_at) FROM " + freshnessTable);
          ResultSet row = query.executeQuery()) {
        row.next();
        Timestamp beat = row.getTimestamp(1);
        newest = beat == null ? null : beat.toInstant();
      }
      String ledger = ResultsCheck.ledger(freshnessTable);
      long count = 0;
      List<UnappliedEntry> entries = new ArrayList<>();
      // One query: the oldest few entries, each row carrying the total.
      try (PreparedStatement query =
              connection.prepareStatement(
                  "SELECT subject, item, kind, reason, recovery, noticed_at, count(*) OVER () FROM "
                      + ledger
                      + " ORDER BY (kind = 'change-not-applied') DESC, noticed_at, subject, item"
                      + " LIMIT "
                      + LEDGER_SAMPLE);
          ResultSet row = query.executeQuery()) {
        while (row.next()) {
          entries.add(
              new UnappliedEntry(
                  row.getString(1),
                  row.getString(2),
                  row.getString(3),
                  row.getString(4),
                  row.getString(5),
                  row.getTimestamp(6).toInstant()));
          count = row.getLong(7);
        }
      } catch (SQLException e) {
        if (!UNDEFINED_TABLE.equals(e.getSQLState())) {
          throw e;
        }
        return Observed.of(new SinkObservation(freshnessTable, newest, null, List.of()));
      }
      return Observed.of(
          new SinkObservation(freshnessTable, newest, count, entries, verified(connection)));
    } catch (SQLException e) {
      return Observed.failed(failure(e));
    }
  }

  /** The newest two continuous verification rounds that compared the tables, newest first. */
  private List<ContinuousVerifier.Round> verified(Connection connection) throws SQLException {
    String table = freshnessTable.substring(0, freshnessTable.indexOf('.') + 1) + "verification";
    List<ContinuousVerifier.Round> rounds = new ArrayList<>();
    try (PreparedStatement query =
            connection.prepareStatement(
                "SELECT round, outcome, snapshot_lsn::text, txid, tables_compared,"
                    + " tables_differing, detail FROM "
                    + table
                    + " WHERE outcome IN ('equal', 'differing') ORDER BY round DESC LIMIT 2");
        ResultSet row = query.executeQuery()) {
      while (row.next()) {
        rounds.add(
            new ContinuousVerifier.Round(
                row.getLong(1),
                ContinuousVerifier.Outcome.valueOf(
                    row.getString(2).toUpperCase(java.util.Locale.ROOT)),
                row.getString(3),
                row.getLong(4),
                row.getInt(5),
                row.getInt(6),
                row.getString(7)));
      }
    } catch (SQLException e) {
      if (!UNDEFINED_TABLE.equals(e.getSQLState())) {
        throw e;
      }
    }
    return rounds;
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, properties);
  }

  private String failure(SQLException e) {
    String target = jdbcUrl.replaceFirst("\\?.*$", "");
    return "PostgreSQL at " + target + ": " + JsonRest.describe(e);
  }
}
