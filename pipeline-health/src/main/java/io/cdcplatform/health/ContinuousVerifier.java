package io.cdcplatform.health;

import io.cdcplatform.pipeline.PipelineDefinition;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Compares the analytics tables with their oracles while writes go on, at a point of the source the
 * tables are proven to reflect exactly: one round at a time, each recorded in {@code
 * analytics.verification}.
 *
 * <p>A round, numbered {@code r}:
 *
 * <ol>
 *   <li>Writes {@code verify_round = r} into the heartbeat row. The job, reading that change in
 *       commit order, starts holding back every transaction after it.
 *   <li>Creates a temporary logical replication slot that exports its snapshot: the source exactly
 *       as of the slot's consistent point {@code C}, every transaction whose commit record lies
 *       before {@code C} and none after. Each oracle is evaluated in that snapshot into a temporary
 *       table, and the snapshot's own description ({@code pg_current_snapshot()}) is kept.
 *   <li>Writes {@code verify_cut = C} into the heartbeat row. The job lets through what committed
 *       up to {@code C}, and the checkpoint after that commits the tables with a position marked as
 *       the round's cut, naming the first transaction still held back.
 *   <li>Reads that position and the tables in one REPEATABLE READ snapshot, and proves that the cut
 *       is the oracles' snapshot: the position's transaction is visible in it, the first one held
 *       back is not. Only then are the tables compared with the oracles' temporary tables.
 * </ol>
 *
 * <p>A round that cannot prove its cut is {@code inconclusive}; one whose cut does not come within
 * the wait (the job was restarting, the round was given up) is {@code missed}; neither says
 * anything about the tables. Only a proven cut is compared, so a difference is the tables'.
 */
public final class ContinuousVerifier {

  /** What a round found. */
  public enum Outcome {
    /** Every table equal to its oracle at the cut. */
    EQUAL,
    /** Some table differs from its oracle at a proven cut. */
    DIFFERING,
    /** The cut came but could not be proven to be the oracles' snapshot: nothing compared. */
    INCONCLUSIVE,
    /** No cut came within the wait: nothing compared. */
    MISSED;

    /** As stored in {@code analytics.verification.outcome}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One round.
   *
   * @param snapshotLsn the WAL position of the oracles' snapshot
   * @param txId the last source transaction the tables reflected at the cut; 0 when none came
   * @param detail per differing table, the rows that differ, first few; otherwise why the round
   *     compared nothing; empty when every table was equal
   */
  public record Round(
      long round,
      Outcome outcome,
      String snapshotLsn,
      long txId,
      int tablesCompared,
      int tablesDiffering,
      String detail) {}

  private static final long POLL_MILLIS = 10;

  /** How many of the newest rounds {@code analytics.verification} keeps: a week at 30 s apart. */
  static final long KEPT_ROUNDS = 20_160;

  private final String jdbcUrl;
  private final Properties properties = new Properties();
  private final String pipeline;
  private final String heartbeat;
  private final List<Oracles.Oracle> oracles;
  private final Duration cutWait;

  /**
   * @param heartbeat the definition's heartbeat table, {@code schema.table}
   * @param cutWait how long to wait for the job's cut; longer than the job gives a round ({@code
   *     TransactionSequencer.HOLD_MILLIS}) is pointless
   */
  public ContinuousVerifier(
      String jdbcUrl,
      String user,
      String password,
      String pipeline,
      String heartbeat,
      List<Oracles.Oracle> oracles,
      Duration cutWait) {
    this.jdbcUrl = jdbcUrl;
    this.pipeline = pipeline;
    this.heartbeat = heartbeat;
    this.oracles = List.copyOf(oracles);
    this.cutWait = cutWait;
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    properties.setProperty("connectTimeout", "5");
    properties.setProperty("ApplicationName", "cdc-continuous-verification");
  }

  /**
   * Runs one round and records it; empty when no round can run yet: the job has not created its
   * tables or applied its first streamed transaction.
   */
  public java.util.Optional<Round> verify() throws SQLException, InterruptedException {
    try (Connection db = DriverManager.getConnection(jdbcUrl, properties)) {
      if (!ready(db)) {
        return java.util.Optional.empty();
      }
      long round = nextRound(db);
      try (PreparedStatement start =
          db.prepareStatement(
              "UPDATE "
                  + heartbeat
                  + " SET "
                  + PipelineDefinition.VERIFY_ROUND_COLUMN
                  + " = ?, "
                  + PipelineDefinition.VERIFY_CUT_COLUMN
                  + " = NULL")) {
        start.setLong(1, round);
        start.executeUpdate();
      }
      try (Connection session = DriverManager.getConnection(jdbcUrl, properties)) {
        Round result = verify(db, session, round);
        record(db, result);
        return java.util.Optional.of(result);
      }
    }
  }

  private Round verify(Connection db, Connection session, long round)
      throws SQLException, InterruptedException {
    String lsn;
    Snapshot snapshot;
    session.setAutoCommit(false);
    session.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    try (Connection replication = replication();
        Statement slot = replication.createStatement();
        ResultSet created =
            slot.executeQuery(
                "CREATE_REPLICATION_SLOT cdc_verify_"
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                    + " TEMPORARY LOGICAL pgoutput (SNAPSHOT 'export')")) {
      created.next();
      lsn = created.getString("consistent_point");
      String exported = created.getString("snapshot_name");
      try (Statement sql = session.createStatement()) {
        sql.execute("SET TRANSACTION SNAPSHOT '" + exported + "'");
        try (ResultSet current = sql.executeQuery("SELECT pg_current_snapshot()::text")) {
          current.next();
          snapshot = Snapshot.parse(current.getString(1));
        }
        for (int i = 0; i < oracles.size(); i++) {
          sql.execute(
              "CREATE TEMPORARY TABLE verify_oracle_"
                  + i
                  + " ON COMMIT PRESERVE ROWS AS "
                  + oracles.get(i).sql());
        }
      }
      session.commit();
    }
    try (PreparedStatement cut =
        db.prepareStatement(
            "UPDATE "
                + heartbeat
                + " SET "
                + PipelineDefinition.VERIFY_CUT_COLUMN
                + " = ? WHERE "
                + PipelineDefinition.VERIFY_ROUND_COLUMN
                + " = ?")) {
      cut.setLong(1, lsnNumber(lsn));
      cut.setLong(2, round);
      cut.executeUpdate();
    }
    long deadline = System.nanoTime() + cutWait.toNanos();
    try (PreparedStatement position =
        session.prepareStatement(
            "SELECT txid, next_txid, cut_round FROM "
                + PipelineDefinition.SOURCE_POSITION
                + " WHERE pipeline = ?")) {
      position.setString(1, pipeline);
      while (true) {
        try (ResultSet at = position.executeQuery()) {
          if (at.next() && at.getLong(3) == round) {
            long txId = at.getLong(1);
            long next = at.getLong(2);
            try {
              return compare(session, round, lsn, snapshot, txId, next);
            } finally {
              session.rollback();
            }
          }
        }
        session.rollback();
        if (System.nanoTime() > deadline) {
          return new Round(
              round,
              Outcome.MISSED,
              lsn,
              0,
              0,
              0,
              "the job made no cut for the round within " + cutWait.toMillis() + " ms");
        }
        Thread.sleep(POLL_MILLIS);
      }
    }
  }

  /** In the snapshot that read the cut: the proof, then every table against its oracle. */
  private Round compare(
      Connection session, long round, String lsn, Snapshot snapshot, long txId, long next)
      throws SQLException {
    if (!snapshot.sees(txId) || (next != 0 && snapshot.sees(next))) {
      return new Round(
          round,
          Outcome.INCONCLUSIVE,
          lsn,
          txId,
          0,
          0,
          "the cut (through transaction "
              + txId
              + ", then "
              + next
              + ") is not the snapshot "
              + snapshot.text()
              + " of LSN "
              + lsn);
    }
    List<String> differing = new ArrayList<>();
    for (int i = 0; i < oracles.size(); i++) {
      Oracles.Comparison comparison =
          Oracles.compare(
              session,
              new Oracles.Oracle(oracles.get(i).table(), "TABLE pg_temp.verify_oracle_" + i));
      if (!comparison.equal()) {
        differing.add(
            comparison.table()
                + ": "
                + comparison.differing()
                + " rows differ, "
                + String.join("; ", comparison.samples()));
      }
    }
    return new Round(
        round,
        differing.isEmpty() ? Outcome.EQUAL : Outcome.DIFFERING,
        lsn,
        txId,
        oracles.size(),
        differing.size(),
        String.join("\n", differing));
  }

  /** Whether the job has created its tables and applied a streamed transaction. */
  private boolean ready(Connection db) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT to_regclass(?) IS NOT NULL AND EXISTS (SELECT 1 FROM "
                + PipelineDefinition.SOURCE_POSITION
                + " WHERE pipeline = ?)")) {
      query.setString(1, PipelineDefinition.VERIFICATION);
      query.setString(2, pipeline);
      try (ResultSet row = query.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return false;
      }
      throw e;
    }
  }

  /** After every round recorded and every round the heartbeat row has asked for. */
  private long nextRound(Connection db) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT greatest((SELECT max(round) FROM "
                + PipelineDefinition.VERIFICATION
                + " WHERE pipeline = ?), (SELECT max("
                + PipelineDefinition.VERIFY_ROUND_COLUMN
                + ") FROM "
                + heartbeat
                + "), 0) + 1")) {
      query.setString(1, pipeline);
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  private void record(Connection db, Round round) throws SQLException {
    try (PreparedStatement insert =
        db.prepareStatement(
            "INSERT INTO "
                + PipelineDefinition.VERIFICATION
                + " (pipeline, round, outcome, snapshot_lsn, txid, tables_compared,"
                + " tables_differing, detail) VALUES (?, ?, ?, ?::pg_lsn, ?, ?, ?, ?)")) {
      insert.setString(1, pipeline);
      insert.setLong(2, round.round());
      insert.setString(3, round.outcome().label());
      insert.setString(4, round.snapshotLsn());
      insert.setLong(5, round.txId());
      insert.setInt(6, round.tablesCompared());
      insert.setInt(7, round.tablesDiffering());
      insert.setString(8, round.detail());
      insert.executeUpdate();
    }
    // The newest rounds are what the verdict reads; older ones are kept for a while to look back.
    try (PreparedStatement prune =
        db.prepareStatement(
            "DELETE FROM "
                + PipelineDefinition.VERIFICATION
                + " WHERE pipeline = ? AND round <= ?")) {
      prune.setString(1, pipeline);
      prune.setLong(2, round.round() - KEPT_ROUNDS);
      prune.executeUpdate();
    }
  }

  private Connection replication() throws SQLException {
    Properties replication = new Properties();
    replication.putAll(properties);
    replication.setProperty("replication", "database");
    replication.setProperty("preferQueryMode", "simple");
    replication.setProperty("assumeMinServerVersion", "10");
    return DriverManager.getConnection(jdbcUrl, replication);
  }

  /** A WAL position as PostgreSQL writes it ({@code 16/B374D848}), as a number. */
  static long lsnNumber(String lsn) {
    int slash = lsn.indexOf('/');
    return (Long.parseLong(lsn.substring(0, slash), 16) << 32)
        | Long.parseLong(lsn.substring(slash + 1), 16);
  }

  /**
   * A snapshot as {@code pg_current_snapshot()} describes it, {@code xmin:xmax:xip,...}, with full
   * (64-bit) transaction ids.
   */
  record Snapshot(long xmin, long xmax, java.util.Set<Long> inProgress, String text) {

    static Snapshot parse(String text) {
      String[] parts = text.split(":", -1);
      java.util.Set<Long> running = new java.util.HashSet<>();
      if (parts.length == 3 && !parts[2].isEmpty()) {
        for (String id : parts[2].split(",")) {
          running.add(Long.parseLong(id));
        }
      }
      return new Snapshot(Long.parseLong(parts[0]), Long.parseLong(parts[1]), running, text);
    }

    /**
     * Whether a committed transaction, by the 32-bit id Debezium reports, is visible in this
     * snapshot. The id is widened to the full id nearest {@code xmax}, as PostgreSQL compares ids:
     * within 2^31 after it (a transaction that began after the snapshot) or before it, across an
     * epoch too.
     */
    boolean sees(long xid32) {
      long full = xmax + (int) (xid32 - xmax);
      return full < xmin || (full < xmax && !inProgress.contains(full));
    }
  }
}
