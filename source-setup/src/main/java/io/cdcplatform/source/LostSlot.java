package io.cdcplatform.source;

import io.cdcplatform.pipeline.PipelineDefinition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The database's half of recovering from a replication slot that PostgreSQL invalidated ({@code
 * wal_status = lost}, past {@code max_slot_wal_keep_size}): the changes it would have streamed are
 * gone, so capture must start again from a new snapshot, and the analytics must forget every row
 * version the lost slot sent (a row deleted meanwhile would otherwise stay counted).
 *
 * <p>With the connector stopped, {@link #release} ends any session still holding the slot, writes
 * the current WAL position into the heartbeat row ({@link PipelineDefinition#RESNAPSHOT_COLUMN})
 * and drops the slot. The position is past everything the lost slot sent and before everything a
 * new slot can send (one is created only afterwards); the new snapshot reads the heartbeat row with
 * it, and the analytics job retracts every row version older than it. The connector, its offsets
 * reset, then creates the slot again and snapshots. Everything here is allowed to the capture role:
 * it has REPLICATION, writes the heartbeat, and may end its own sessions.
 *
 * <p>The same re-snapshot serves a table added to the definition of a pipeline whose capture has
 * begun: its rows from before are in no change topic. Source-setup then asks for it in the
 * heartbeat row ({@link PipelineDefinition#RESNAPSHOT_REQUEST_COLUMN}, see {@link #requested}), and
 * {@link #release} drops the slot although it is healthy, clearing the request with the mark.
 */
public final class LostSlot {

  private LostSlot() {}

  /** What {@link #release} did: the marked position, and whether a session had to be ended. */
  public record Released(long resnapshotLsn, boolean sessionEnded) {}

  /** The slot's {@code wal_status}, or empty when there is no such slot. */
  public static Optional<String> walStatus(Connection db, String slot) throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT coalesce(wal_status, '') FROM pg_replication_slots WHERE slot_name = ?")) {
      query.setString(1, slot);
      try (ResultSet rs = query.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /**
   * The WAL position at which source-setup asked for a new snapshot because a table was added to
   * the definition, or empty when nothing is asked.
   *
   * @throws SourceSetupException when the heartbeat row cannot be read, naming why
   */
  public static java.util.OptionalLong requested(Connection db, PipelineDefinition definition)
      throws SourceSetupException {
    String heartbeat = definition.source().heartbeat().qualified();
    try (Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery(
                "SELECT "
                    + PipelineDefinition.RESNAPSHOT_REQUEST_COLUMN
                    + " FROM "
                    + heartbeat
                    + " WHERE id = 1")) {
      if (rs.next()) {
        long position = rs.getLong(1);
        if (!rs.wasNull()) {
          return java.util.OptionalLong.of(position);
        }
      }
      return java.util.OptionalLong.empty();
    } catch (SQLException e) {
      throw new SourceSetupException(
          "cannot read the new snapshot's request in " + heartbeat + ": " + firstLine(e));
    }
  }

  /**
   * Marks the new snapshot, clears its request, and drops the slot.
   *
   * @throws SourceSetupException when the slot is neither lost nor asked to be re-snapshotted (a
   *     healthy slot is otherwise never dropped), or a step is refused, naming it
   */
  public static Released release(Connection db, PipelineDefinition definition, String slot)
      throws SourceSetupException {
    SourceSetup.identifier(slot, "replication slot");
    try {
      Optional<String> status = walStatus(db, slot);
      boolean asked = requested(db, definition).isPresent();
      if (status.isEmpty() && !asked) {
        throw new SourceSetupException("replication slot " + slot + " does not exist");
      }
      if (status.isPresent() && !status.get().equals("lost") && !asked) {
        throw new SourceSetupException(
            "replication slot "
                + slot
                + " is not lost (wal_status "
                + status.get()
                + ") and no new snapshot is asked for: it is kept, and nothing is re-snapshotted");
      }
      boolean ended = status.isPresent() && endSession(db, slot);
      long position;
      try (Statement sql = db.createStatement();
          ResultSet rs = sql.executeQuery("SELECT (pg_current_wal_lsn() - '0/0')::bigint")) {
        rs.next();
        position = rs.getLong(1);
      }
      String heartbeat = definition.source().heartbeat().qualified();
      try (PreparedStatement mark =
          db.prepareStatement(
              "INSERT INTO "
                  + heartbeat
                  + " (id, beat_at, "
                  + PipelineDefinition.RESNAPSHOT_COLUMN
                  + ") VALUES (1, now(), ?) ON CONFLICT (id) DO UPDATE SET beat_at = EXCLUDED.beat_at, "
                  + PipelineDefinition.RESNAPSHOT_COLUMN
                  + " = EXCLUDED."
                  + PipelineDefinition.RESNAPSHOT_COLUMN
                  + ", "
                  + PipelineDefinition.RESNAPSHOT_REQUEST_COLUMN
                  + " = NULL")) {
        mark.setLong(1, position);
        mark.executeUpdate();
      } catch (SQLException e) {
        throw new SourceSetupException(
            "cannot mark the new snapshot in "
                + heartbeat
                + ": "
                + firstLine(e)
                + " (run source-setup)");
      }
      if (status.isPresent()) {
        try (PreparedStatement drop = db.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
          drop.setString(1, slot);
          drop.execute();
        }
      }
      return new Released(position, ended);
    } catch (SQLException e) {
      throw new SourceSetupException(
          "cannot release replication slot " + slot + ": " + firstLine(e));
    }
  }

  /** Ends the session streaming from the slot, if any, and waits until the slot is free. */
  private static boolean endSession(Connection db, String slot) throws SQLException {
    boolean ended = false;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try (PreparedStatement query =
          db.prepareStatement(
              "SELECT active_pid FROM pg_replication_slots WHERE slot_name = ? AND active")) {
        query.setString(1, slot);
        try (ResultSet rs = query.executeQuery()) {
          if (!rs.next()) {
            return ended;
          }
          int pid = rs.getInt(1);
          if (System.nanoTime() > deadline) {
            throw new SQLException("session " + pid + " still holds the slot after 30 s");
          }
          try (PreparedStatement end = db.prepareStatement("SELECT pg_terminate_backend(?)")) {
            end.setInt(1, pid);
            end.execute();
            ended = true;
          }
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while waiting for the slot to be free");
      }
    }
  }

  private static String firstLine(SQLException e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
