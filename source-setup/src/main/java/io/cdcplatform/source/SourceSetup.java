package io.cdcplatform.source;

import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.SourceTable;
import io.cdcplatform.pipeline.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Prepares a source database for change capture from what a pipeline definition declares, on a
 * database the platform does not own: every captured table gets REPLICA IDENTITY FULL (so updates
 * and deletes carry the whole old row, which the analytics retract), the heartbeat table is created
 * if missing, the publication lists exactly the captured tables, and the capture role may log in,
 * replicate, read the captured tables and write the heartbeat, and nothing else.
 *
 * <p>Every step looks before it acts, so a second run changes nothing; what it did is returned. Run
 * it as the tables' owner (PostgreSQL lets only the owner set replica identity or publish a table)
 * with CREATEROLE for the capture role. A missing table or privilege is one line naming it.
 */
public final class SourceSetup {

  /** Who the capture role is and how it logs in; the publication it streams. */
  public record Capture(String role, String password, String publication) {

    public Capture {
      identifier(role, "capture role");
      identifier(publication, "publication");
    }
  }

  /**
   * The role of continuous verification and how it logs in: it replicates (for the snapshot its
   * rounds read the oracles in), reads the captured tables and the heartbeat row and updates only
   * the heartbeat's verification columns. The analytics job grants it the rest when it creates the
   * analytics tables (reading them, writing {@code analytics.verification}).
   */
  public record Verifier(String role, String password) {

    public Verifier {
      identifier(role, "verifier role");
    }
  }

  private SourceSetup() {}

  /**
   * Brings the database to what the definition needs.
   *
   * @return one line per change made; empty when everything was in place already
   * @throws SourceSetupException naming the table, the privilege or the role that is wrong
   */
  public static List<String> apply(Connection db, PipelineDefinition definition, Capture capture)
      throws SourceSetupException {
    return apply(db, definition, capture, null);
  }

  /**
   * Brings the database to what the definition needs, the verifier role included when given.
   *
   * @param verifier continuous verification's role; null: none
   * @return one line per change made; empty when everything was in place already
   * @throws SourceSetupException naming the table, the privilege or the role that is wrong
   */
  public static List<String> apply(
      Connection db, PipelineDefinition definition, Capture capture, Verifier verifier)
      throws SourceSetupException {
    if (verifier != null && verifier.role().equals(capture.role())) {
      throw new IllegalArgumentException(
          "verifier role: expected a role other than the capture role, got " + verifier.role());
    }
    List<String> done = new ArrayList<>();
    try {
      requireTables(db, definition);
      heartbeat(db, definition.source().heartbeat(), done);
      for (SourceTable table : definition.source().captured()) {
        replicaIdentity(db, table.name(), done);
      }
      publication(db, definition, capture.publication(), done);
      captureRole(db, definition, capture, done);
      if (verifier != null) {
        verifierRole(db, definition, verifier, done);
      }
    } catch (SQLException e) {
      throw new SourceSetupException(firstLine(e.getMessage()));
    }
    return List.copyOf(done);
  }

  private static void requireTables(Connection db, PipelineDefinition definition)
      throws SQLException, SourceSetupException {
    List<String> missing = new ArrayList<>();
    for (SourceTable table : definition.source().tables()) {
      if (!exists(db, table.name())) {
        missing.add(table.name().qualified());
      }
    }
    if (!missing.isEmpty()) {
      throw new SourceSetupException(
          "table "
              + String.join(", ", missing)
              + (missing.size() == 1 ? " does" : " do")
              + " not exist in database "
              + db.getCatalog()
              + ", but "
              + definition.file()
              + " captures "
              + (missing.size() == 1 ? "it" : "them"));
    }
  }

  private static void heartbeat(Connection db, TableName heartbeat, List<String> done)
      throws SQLException, SourceSetupException {
    if (exists(db, heartbeat)) {
      for (String marker : PipelineDefinition.HEARTBEAT_MARKERS) {
        if (!hasColumn(db, heartbeat, marker)) {
          // Heartbeat tables set up before this column was used get it.
          act(
              db,
              "add column " + marker + " to the heartbeat table " + heartbeat,
              "ALTER TABLE " + heartbeat + " ADD COLUMN " + marker + " bigint");
          done.add("added column " + marker + " to the heartbeat table " + heartbeat);
        }
      }
      return;
    }
    StringBuilder markers = new StringBuilder();
    for (String marker : PipelineDefinition.HEARTBEAT_MARKERS) {
      markers.append(", ").append(marker).append(" bigint");
    }
    act(
        db,
        "create the heartbeat table " + heartbeat,
        "CREATE SCHEMA IF NOT EXISTS " + heartbeat.schema(),
        "CREATE TABLE "
            + heartbeat
            + " (id integer PRIMARY KEY CHECK (id = 1), beat_at timestamptz NOT NULL"
            + markers
            + ")",
        "INSERT INTO " + heartbeat + " (id, beat_at) VALUES (1, now())");
    done.add("created the heartbeat table " + heartbeat);
  }

  private static boolean hasColumn(Connection db, TableName table, String column)
      throws SQLException {
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT 1 FROM pg_attribute WHERE attrelid = ?::regclass AND attname = ?"
                + " AND NOT attisdropped")) {
      query.setString(1, table.qualified());
      query.setString(2, column);
      try (ResultSet rs = query.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void replicaIdentity(Connection db, TableName table, List<String> done)
      throws SQLException, SourceSetupException {
    String identity;
    try (PreparedStatement query =
        db.prepareStatement("SELECT relreplident FROM pg_class WHERE oid = ?::regclass")) {
      query.setString(1, table.qualified());
      try (ResultSet rs = query.executeQuery()) {
        rs.next();
        identity = rs.getString(1);
      }
    }
    if (!"f".equals(identity)) {
      act(
          db,
          "set REPLICA IDENTITY FULL on " + table,
          "ALTER TABLE " + table + " REPLICA IDENTITY FULL");
      done.add("set REPLICA IDENTITY FULL on " + table);
    }
  }

  private static void publication(
      Connection db, PipelineDefinition definition, String publication, List<String> done)
      throws SQLException, SourceSetupException {
    Set<String> wanted = new TreeSet<>();
    definition.source().captured().forEach(t -> wanted.add(t.name().qualified()));
    String tables = String.join(", ", wanted);
    boolean exists;
    try (PreparedStatement query =
        db.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      query.setString(1, publication);
      try (ResultSet rs = query.executeQuery()) {
        exists = rs.next();
      }
    }
    if (!exists) {
      // Truncates are published too: nothing changes in the source without a record of it.
      act(
          db,
          "create publication " + publication,
          "CREATE PUBLICATION "
              + publication
              + " FOR TABLE "
              + tables
              + " WITH (publish = 'insert, update, delete, truncate')");
      done.add("created publication " + publication + " for " + tables);
      return;
    }
    Set<String> listed = new TreeSet<>();
    try (PreparedStatement query =
        db.prepareStatement(
            "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?")) {
      query.setString(1, publication);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          listed.add(rs.getString(1));
        }
      }
    }
    if (listed.equals(wanted)) {
      return;
    }
    Set<String> added = new TreeSet<>(wanted);
    added.removeAll(listed);
    String alter = "ALTER PUBLICATION " + publication + " SET TABLE " + tables;
    if (added.isEmpty()) {
      act(db, "update publication " + publication, alter);
      done.add("set the tables of publication " + publication + " to " + tables);
      return;
    }
    // The rows an added table holds are in no change topic: a new snapshot must read them. The
    // request is committed with the publication's change, so neither is ever made without the
    // other; whoever re-snapshots (the launcher, the reconciler) releases the slot and clears it.
    TableName heartbeat = definition.source().heartbeat();
    boolean autoCommit = db.getAutoCommit();
    db.setAutoCommit(false);
    try {
      act(
          db,
          "add " + String.join(", ", added) + " to publication " + publication,
          alter,
          "UPDATE "
              + heartbeat
              + " SET "
              + PipelineDefinition.RESNAPSHOT_REQUEST_COLUMN
              + " = (pg_current_wal_lsn() - '0/0')::bigint WHERE id = 1");
      db.commit();
    } catch (SourceSetupException e) {
      db.rollback();
      throw e;
    } finally {
      db.setAutoCommit(autoCommit);
    }
    done.add("set the tables of publication " + publication + " to " + tables);
    done.add(
        "asked for a new snapshot in "
            + heartbeat
            + "."
            + PipelineDefinition.RESNAPSHOT_REQUEST_COLUMN
            + ": "
            + String.join(", ", added)
            + (added.size() == 1 ? " holds" : " hold")
            + " rows no change topic carries");
  }

  private static void captureRole(
      Connection db, PipelineDefinition definition, Capture capture, List<String> done)
      throws SQLException, SourceSetupException {
    String role = capture.role();
    replicationRole(db, "capture role", role, capture.password(), done);
    List<String> grants = readGrants(db, role, capturedTables(definition));
    String heartbeat = definition.source().heartbeat().qualified();
    // The heartbeat action query upserts its one row.
    if (!has(db, "has_table_privilege(?, ?, 'INSERT')", role, heartbeat)
        || !has(db, "has_table_privilege(?, ?, 'UPDATE')", role, heartbeat)) {
      grants.add("GRANT INSERT, UPDATE ON " + heartbeat + " TO " + role);
    }
    grant(db, "capture role", role, grants, done);
  }

  private static void verifierRole(
      Connection db, PipelineDefinition definition, Verifier verifier, List<String> done)
      throws SQLException, SourceSetupException {
    String role = verifier.role();
    replicationRole(db, "verifier role", role, verifier.password(), done);
    TableName heartbeat = definition.source().heartbeat();
    List<String> grants = readGrants(db, role, capturedTables(definition));
    // A round asks the job for a cut through these two columns of the heartbeat row, no others.
    String columns =
        PipelineDefinition.VERIFY_ROUND_COLUMN + ", " + PipelineDefinition.VERIFY_CUT_COLUMN;
    boolean updates = true;
    for (String column :
        List.of(PipelineDefinition.VERIFY_ROUND_COLUMN, PipelineDefinition.VERIFY_CUT_COLUMN)) {
      updates &= has(db, "has_column_privilege(?, ?, ?, 'UPDATE')", role, heartbeat, column);
    }
    if (!updates) {
      grants.add("GRANT UPDATE (" + columns + ") ON " + heartbeat + " TO " + role);
    }
    grant(db, "verifier role", role, grants, done);
  }

  /**
   * Makes {@code role} an ordinary role that may log in with {@code password} and replicate,
   * creating it when missing; a superuser is refused.
   */
  private static void replicationRole(
      Connection db, String what, String role, String password, List<String> done)
      throws SQLException, SourceSetupException {
    boolean exists;
    try (PreparedStatement query =
        db.prepareStatement("SELECT rolsuper FROM pg_roles WHERE rolname = ?")) {
      query.setString(1, role);
      try (ResultSet rs = query.executeQuery()) {
        exists = rs.next();
        if (exists && rs.getBoolean(1)) {
          throw new SourceSetupException(
              what
                  + " "
                  + role
                  + " is a superuser; it must be an ordinary role with LOGIN and REPLICATION");
        }
      }
    }
    if (!exists) {
      act(db, "create the " + what + " " + role, "CREATE ROLE " + role);
      done.add("created the " + what + " " + role);
    }
    // format(%L) quotes the password on the server, so no value can break out of the literal.
    String alter;
    try (PreparedStatement quote =
        db.prepareStatement(
            "SELECT format('ALTER ROLE %I WITH LOGIN REPLICATION PASSWORD %L', ?, ?)")) {
      quote.setString(1, role);
      quote.setString(2, password);
      try (ResultSet rs = quote.executeQuery()) {
        rs.next();
        alter = rs.getString(1);
      }
    }
    act(db, "give the " + what + " " + role + " LOGIN and REPLICATION", alter);
  }

  /** The captured tables, the heartbeat among them, once each. */
  private static List<String> capturedTables(PipelineDefinition definition) {
    Set<String> tables = new LinkedHashSet<>();
    for (SourceTable table : definition.source().captured()) {
      tables.add(table.name().qualified());
    }
    tables.add(definition.source().heartbeat().qualified());
    return new ArrayList<>(tables);
  }

  /** The grants {@code role} still lacks to read {@code tables}: their schemas' USAGE, SELECT. */
  private static List<String> readGrants(Connection db, String role, List<String> tables)
      throws SQLException {
    Set<String> schemas = new LinkedHashSet<>();
    for (String table : tables) {
      schemas.add(table.substring(0, table.indexOf('.')));
    }
    List<String> grants = new ArrayList<>();
    for (String schema : schemas) {
      if (!has(db, "has_schema_privilege(?, ?, 'USAGE')", role, schema)) {
        grants.add("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
      }
    }
    for (String table : tables) {
      if (!has(db, "has_table_privilege(?, ?, 'SELECT')", role, table)) {
        grants.add("GRANT SELECT ON " + table + " TO " + role);
      }
    }
    return grants;
  }

  private static void grant(
      Connection db, String what, String role, List<String> grants, List<String> done)
      throws SourceSetupException {
    if (grants.isEmpty()) {
      return;
    }
    act(db, "grant the " + what + " " + role + " what it needs", grants.toArray(String[]::new));
    done.add(
        "granted "
            + role
            + ": "
            + grants.stream()
                .map(g -> g.substring("GRANT ".length(), g.lastIndexOf(" TO ")))
                .collect(Collectors.joining("; ")));
  }

  private static boolean exists(Connection db, TableName table) throws SQLException {
    try (PreparedStatement query = db.prepareStatement("SELECT to_regclass(?)")) {
      query.setString(1, table.qualified());
      try (ResultSet rs = query.executeQuery()) {
        rs.next();
        return rs.getString(1) != null;
      }
    }
  }

  private static boolean has(Connection db, String check, String role, String object)
      throws SQLException {
    try (PreparedStatement query = db.prepareStatement("SELECT " + check)) {
      query.setString(1, role);
      query.setString(2, object);
      try (ResultSet rs = query.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static boolean has(
      Connection db, String check, String role, TableName table, String column)
      throws SQLException {
    try (PreparedStatement query = db.prepareStatement("SELECT " + check)) {
      query.setString(1, role);
      query.setString(2, table.qualified());
      query.setString(3, column);
      try (ResultSet rs = query.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Runs statements for one step; a refusal names the step and PostgreSQL's reason. */
  private static void act(Connection db, String step, String... statements)
      throws SourceSetupException {
    try (Statement sql = db.createStatement()) {
      for (String statement : statements) {
        sql.execute(statement);
      }
    } catch (SQLException e) {
      throw new SourceSetupException("cannot " + step + ": " + firstLine(e.getMessage()));
    }
  }

  static String identifier(String name, String what) {
    if (!TableName.identifier(name)) {
      throw new IllegalArgumentException(
          what + ": expected a lower-case SQL identifier, got '" + name + "'");
    }
    return name;
  }

  static String firstLine(String message) {
    if (message == null) {
      return "no reason given";
    }
    String line = message.strip();
    int newline = line.indexOf('\n');
    return newline < 0 ? line : line.substring(0, newline);
  }
}
