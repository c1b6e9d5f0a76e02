package io.cdcplatform.flink;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The ledger of what the pipeline knows it could not apply ({@code analytics.unapplied}): each
 * entry names the table that is wrong, which change or group, why, and how to recover. The health
 * checks read it, so a pipeline with an entry is not Ready. Writes go in the transaction of the
 * sink that found the fault, so an entry commits exactly when the table it describes does.
 */
final class Unapplied {

  static final String TABLE = io.cdcplatform.pipeline.PipelineDefinition.UNAPPLIED;

  /** How long a reason or an item may be in the ledger; the rest is cut. */
  private static final int TEXT_LIMIT = 500;

  enum Kind {
    /** A change of a captured table that the job could not decode: its analytics miss it. */
    CHANGE_NOT_APPLIED("change-not-applied"),
    /** A result an analytics table refused: the group is left out of the table. */
    RESULT_NOT_STORED("result-not-stored");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** One entry: {@code subject} is the table that is wrong, {@code item} which change or group. */
  record Entry(String subject, String item, Kind kind, String reason, String recovery)
      implements Serializable {}

  private Unapplied() {}

  /** Adds entries, or refreshes the reason and time of ones already there. */
  static void record(Connection db, Collection<Entry> entries) throws SQLException {
    if (entries.isEmpty()) {
      return;
    }
    try (PreparedStatement insert =
        db.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (subject, item_id, item, kind, reason, recovery) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (subject, item_id) DO UPDATE SET kind = EXCLUDED.kind,"
                + " reason = EXCLUDED.reason, recovery = EXCLUDED.recovery, noticed_at = now()")) {
      for (Entry entry : entries) {
        insert.setString(1, entry.subject());
        insert.setString(2, id(entry.item()));
        insert.setString(3, cut(entry.item()));
        insert.setString(4, entry.kind().label);
        insert.setString(5, cut(entry.reason()));
        insert.setString(6, entry.recovery());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }

  /** Removes the entries of a subject with these item ids. */
  static void clear(Connection db, String subject, Collection<String> itemIds) throws SQLException {
    if (itemIds.isEmpty()) {
      return;
    }
    try (PreparedStatement delete =
        db.prepareStatement("DELETE FROM " + TABLE + " WHERE subject = ? AND item_id = ?")) {
      for (String itemId : itemIds) {
        delete.setString(1, subject);
        delete.setString(2, itemId);
        delete.addBatch();
      }
      delete.executeBatch();
    }
  }

  /** The item ids of a subject's entries of one kind. */
  static Set<String> itemIds(Connection db, String subject, Kind kind) throws SQLException {
    Set<String> ids = new HashSet<>();
    try (PreparedStatement query =
        db.prepareStatement("SELECT item_id FROM " + TABLE + " WHERE subject = ? AND kind = ?")) {
      query.setString(1, subject);
      query.setString(2, kind.label);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
    }
    return ids;
  }

  /** The id of an item: its MD5, in hex. */
  static String id(String item) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("MD5").digest(item.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has MD5", e);
    }
  }

  private static String cut(String text) {
    return text.length() <= TEXT_LIMIT ? text : text.substring(0, TEXT_LIMIT) + "…";
  }
}
