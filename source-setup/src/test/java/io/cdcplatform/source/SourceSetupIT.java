package io.cdcplatform.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Source setup on a real PostgreSQL, on a schema of the test's own that the platform does not own:
 * it prepares exactly what capture needs, changes nothing the second time, follows a table added to
 * the definition, grants the capture role no more than it needs, and names a missing table or
 * privilege in one line.
 */
class SourceSetupIT {

  private static final String OWNER = "ledger_owner";
  private static final String OWNER_PASSWORD = "owner secret";
  private static final SourceSetup.Capture CAPTURE =
      new SourceSetup.Capture("ledger_capture", "it's a 'secret'", "ledger_publication");

  @TempDir static Path work;
  static LocalPostgres postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(0, work.resolve("data"), work.resolve("postgres.log"));
    postgres.createOwnerRole(OWNER, OWNER_PASSWORD);
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void freshSchema() throws Exception {
    asSuperuser(
        "DROP PUBLICATION IF EXISTS ledger_publication",
        "DROP SCHEMA IF EXISTS ledger CASCADE",
        "DROP SCHEMA IF EXISTS ops CASCADE",
        "DROP ROLE IF EXISTS ledger_capture",
        "DROP ROLE IF EXISTS ledger_verifier",
        "DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'stranger') THEN"
            + " DROP OWNED BY stranger; DROP ROLE stranger; END IF; END $$");
    asOwner(
        "CREATE SCHEMA ledger",
        // No primary key: the definition declares the key.
        "CREATE TABLE ledger.entries (account_id integer NOT NULL, entry_no integer NOT NULL,"
            + " amount numeric(14,2), note text)",
        "CREATE TABLE ledger.accounts (id integer PRIMARY KEY, holder text)",
        "CREATE TABLE ledger.audit (id integer PRIMARY KEY)");
  }

  @Test
  void preparesCaptureAndChangesNothingTheSecondTime() throws Exception {
    PipelineDefinition definition = definition("ledger.entries", "ledger.accounts");

    List<String> first;
    try (Connection db = owner()) {
      first = SourceSetup.apply(db, definition, CAPTURE);
    }
    List<String> second;
    try (Connection db = owner()) {
      second = SourceSetup.apply(db, definition, CAPTURE);
    }

    assertThat(first)
        .contains(
            "created the heartbeat table ops.heartbeat",
            "set REPLICA IDENTITY FULL on ledger.entries",
            "set REPLICA IDENTITY FULL on ledger.accounts",
            "created the capture role ledger_capture")
        .anySatisfy(line -> assertThat(line).startsWith("created publication ledger_publication"));
    assertThat(second).isEmpty();
    assertThat(
            query(
                "SELECT c.relname || ':' || c.relreplident::text FROM pg_class c JOIN pg_namespace n ON"
                    + " n.oid = c.relnamespace WHERE n.nspname IN ('ledger', 'ops') AND c.relkind"
                    + " = 'r' ORDER BY 1"))
        .containsExactly("accounts:f", "audit:d", "entries:f", "heartbeat:f");
    assertThat(
            query(
                "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname ="
                    + " 'ledger_publication' ORDER BY 1"))
        .containsExactly("ledger.accounts", "ledger.entries", "ops.heartbeat");
    assertThat(
            query(
                "SELECT rolcanlogin || ',' || rolreplication || ',' || rolsuper || ',' ||"
                    + " rolcreaterole || ',' || rolcreatedb FROM pg_roles WHERE rolname ="
                    + " 'ledger_capture'"))
        .containsExactly("true,true,false,false,false");
    assertThat(
            query(
                "SELECT table_schema || '.' || table_name || ':' || privilege_type FROM"
                    + " information_schema.role_table_grants WHERE grantee = 'ledger_capture'"
                    + " ORDER BY 1"))
        .containsExactly(
            "ledger.accounts:SELECT",
            "ledger.entries:SELECT",
            "ops.heartbeat:INSERT",
            "ops.heartbeat:SELECT",
            "ops.heartbeat:UPDATE");
  }

  @Test
  void theVerifierRoleReadsTheSourceAndMayMarkOnlyTheHeartbeatsVerificationColumns()
      throws Exception {
    PipelineDefinition definition = definition("ledger.entries", "ledger.accounts");
    SourceSetup.Verifier verifier = new SourceSetup.Verifier("ledger_verifier", "v'secret");
    List<String> first;
    try (Connection db = owner()) {
      first = SourceSetup.apply(db, definition, CAPTURE, verifier);
    }
    List<String> second;
    try (Connection db = owner()) {
      second = SourceSetup.apply(db, definition, CAPTURE, verifier);
    }
    assertThat(first)
        .contains(
            "created the verifier role ledger_verifier",
            "granted ledger_verifier: USAGE ON SCHEMA ledger; USAGE ON SCHEMA ops; SELECT ON"
                + " ledger.entries; SELECT ON ledger.accounts; SELECT ON ops.heartbeat;"
                + " UPDATE (verify_round, verify_cut) ON ops.heartbeat");
    assertThat(second).isEmpty();
    assertThat(
            query(
                "SELECT rolcanlogin || ',' || rolreplication || ',' || rolsuper || ',' ||"
                    + " rolcreaterole FROM pg_roles WHERE rolname = 'ledger_verifier'"))
        .containsExactly("true,true,false,false");
    assertThat(
            query(
                "SELECT table_schema || '.' || table_name || ':' || privilege_type FROM"
                    + " information_schema.role_table_grants WHERE grantee = 'ledger_verifier'"
                    + " ORDER BY 1"))
        .containsExactly("ledger.accounts:SELECT", "ledger.entries:SELECT", "ops.heartbeat:SELECT");
    try (Connection db =
        DriverManager.getConnection(postgres.jdbcUrl(), verifier.role(), verifier.password())) {
      sql(
          db,
          "UPDATE ops.heartbeat SET verify_round = 7, verify_cut = NULL",
          "SELECT pg_drop_replication_slot(slot_name) FROM"
              + " pg_create_logical_replication_slot('ledger_verify', 'pgoutput', true)");
      assertThatThrownBy(() -> sql(db, "UPDATE ops.heartbeat SET beat_at = now()"))
          .hasMessageContaining("permission denied");
      assertThatThrownBy(() -> sql(db, "DELETE FROM ledger.accounts"))
          .hasMessageContaining("permission denied");
    }
    assertThatThrownBy(
            () -> {
              try (Connection db = owner()) {
                SourceSetup.apply(
                    db, definition, CAPTURE, new SourceSetup.Verifier(CAPTURE.role(), "x"));
              }
            })
        .hasMessage(
            "verifier role: expected a role other than the capture role, got ledger_capture");
  }

  @Test
  void theCaptureRoleStreamsThePublicationWithItsPassword() throws Exception {
    try (Connection db = owner()) {
      SourceSetup.apply(db, definition("ledger.entries", "ledger.accounts"), CAPTURE);
    }
    try (Connection capture =
        DriverManager.getConnection(postgres.jdbcUrl(), CAPTURE.role(), CAPTURE.password())) {
      sql(capture, "SELECT pg_create_logical_replication_slot('ledger_test', 'pgoutput')");
      asOwner("INSERT INTO ledger.entries VALUES (1, 1, 10.50, 'é')");
      try (Statement statement = capture.createStatement();
          ResultSet rs =
              statement.executeQuery(
                  "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('ledger_test', NULL,"
                      + " NULL, 'proto_version', '1', 'publication_names',"
                      + " 'ledger_publication')")) {
        rs.next();
        assertThat(rs.getLong(1)).as("begin, relation, insert, commit").isGreaterThanOrEqualTo(4);
      }
      sql(capture, "SELECT pg_drop_replication_slot('ledger_test')");
      assertThatThrownBy(() -> sql(capture, "INSERT INTO ledger.accounts VALUES (9, 'x')"))
          .hasMessageContaining("permission denied");
    }
  }

  @Test
  void aTableAddedToTheDefinitionJoinsThePublication() throws Exception {
    try (Connection db = owner()) {
      SourceSetup.apply(db, definition("ledger.entries"), CAPTURE);
    }

    List<String> done;
    try (Connection db = owner()) {
      done = SourceSetup.apply(db, definition("ledger.entries", "ledger.audit"), CAPTURE);
    }

    assertThat(done)
        .contains(
            "set REPLICA IDENTITY FULL on ledger.audit",
            "set the tables of publication ledger_publication to ledger.audit, ledger.entries,"
                + " ops.heartbeat",
            "granted ledger_capture: SELECT ON ledger.audit",
            "asked for a new snapshot in ops.heartbeat.resnapshot_requested: ledger.audit holds"
                + " rows no change topic carries");
    PipelineDefinition both = definition("ledger.entries", "ledger.audit");
    try (Connection capture =
        DriverManager.getConnection(postgres.jdbcUrl(), CAPTURE.role(), CAPTURE.password())) {
      long asked = LostSlot.requested(capture, both).orElseThrow();
      assertThat(asked).isPositive();
      // A healthy slot is dropped when asked: the request is cleared with the mark.
      sql(capture, "SELECT pg_create_logical_replication_slot('ledger_streaming', 'pgoutput')");
      LostSlot.Released released = LostSlot.release(capture, both, "ledger_streaming");
      assertThat(released.resnapshotLsn()).isGreaterThanOrEqualTo(asked);
      assertThat(LostSlot.walStatus(capture, "ledger_streaming")).isEmpty();
      assertThat(LostSlot.requested(capture, both)).isEmpty();
      assertThat(query("SELECT resnapshot_lsn::text FROM ops.heartbeat"))
          .containsExactly(Long.toString(released.resnapshotLsn()));
    }
    // Removing a table asks for nothing; nor does a second run.
    try (Connection db = owner()) {
      assertThat(SourceSetup.apply(db, definition("ledger.entries"), CAPTURE))
          .noneMatch(line -> line.startsWith("asked for a new snapshot"));
      assertThat(SourceSetup.apply(db, definition("ledger.entries"), CAPTURE)).isEmpty();
    }
    try (Connection capture =
        DriverManager.getConnection(postgres.jdbcUrl(), CAPTURE.role(), CAPTURE.password())) {
      assertThat(LostSlot.requested(capture, both)).isEmpty();
    }
  }

  /** A refused publication change leaves no request behind, nor a request without the change. */
  @Test
  void anAddedTableAndItsSnapshotRequestAreCommittedTogether() throws Exception {
    try (Connection db = owner()) {
      SourceSetup.apply(db, definition("ledger.entries"), CAPTURE);
    }
    asSuperuser(
        "CREATE ROLE stranger LOGIN PASSWORD 'x'",
        "GRANT USAGE ON SCHEMA ledger TO stranger",
        "CREATE TABLE ledger.foreign_rows (id integer PRIMARY KEY)",
        "ALTER TABLE ledger.foreign_rows OWNER TO stranger",
        "ALTER TABLE ledger.foreign_rows REPLICA IDENTITY FULL",
        "GRANT SELECT ON ledger.foreign_rows TO ledger_owner");
    try (Connection db = owner()) {
      assertThatThrownBy(
              () ->
                  SourceSetup.apply(
                      db, definition("ledger.entries", "ledger.foreign_rows"), CAPTURE))
          .hasMessageStartingWith(
              "cannot add ledger.foreign_rows to publication ledger_publication: ");
    }
    assertThat(query("SELECT coalesce(resnapshot_requested::text, 'none') FROM ops.heartbeat"))
        .containsExactly("none");
    assertThat(
            query(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = 'ledger_publication'"
                    + " ORDER BY 1"))
        .containsExactly("entries", "heartbeat");
  }

  @Test
  void aHeartbeatTableFromBeforeReSnapshotMarkersGetsItsColumnOnce() throws Exception {
    asOwner(
        "CREATE SCHEMA ops",
        "CREATE TABLE ops.heartbeat (id integer PRIMARY KEY CHECK (id = 1),"
            + " beat_at timestamptz NOT NULL)",
        "INSERT INTO ops.heartbeat VALUES (1, now())");

    List<String> first;
    List<String> second;
    try (Connection db = owner()) {
      first = SourceSetup.apply(db, definition("ledger.entries"), CAPTURE);
      second = SourceSetup.apply(db, definition("ledger.entries"), CAPTURE);
    }

    assertThat(first)
        .contains(
            "added column resnapshot_lsn to the heartbeat table ops.heartbeat",
            "added column resnapshot_requested to the heartbeat table ops.heartbeat",
            "added column verify_round to the heartbeat table ops.heartbeat",
            "added column verify_cut to the heartbeat table ops.heartbeat");
    assertThat(second).isEmpty();
    assertThat(
            query(
                "SELECT column_name || ':' || data_type FROM information_schema.columns WHERE"
                    + " table_schema = 'ops' AND table_name = 'heartbeat' ORDER BY ordinal_position"))
        .containsExactly(
            "id:integer",
            "beat_at:timestamp with time zone",
            "resnapshot_lsn:bigint",
            "resnapshot_requested:bigint",
            "verify_round:bigint",
            "verify_cut:bigint");
  }

  @Test
  void aSlotThatIsNotLostIsNeverReleased() throws Exception {
    PipelineDefinition definition = definition("ledger.entries");
    try (Connection db = owner()) {
      SourceSetup.apply(db, definition, CAPTURE);
    }
    try (Connection capture =
        DriverManager.getConnection(postgres.jdbcUrl(), CAPTURE.role(), CAPTURE.password())) {
      assertThatThrownBy(() -> LostSlot.release(capture, definition, "ledger_absent"))
          .hasMessage("replication slot ledger_absent does not exist");
      sql(capture, "SELECT pg_create_logical_replication_slot('ledger_kept', 'pgoutput')");
      try {
        assertThatThrownBy(() -> LostSlot.release(capture, definition, "ledger_kept"))
            .hasMessage(
                "replication slot ledger_kept is not lost (wal_status reserved) and no new"
                    + " snapshot is asked for: it is kept, and nothing is re-snapshotted");
        assertThat(LostSlot.walStatus(capture, "ledger_kept")).contains("reserved");
        assertThat(query("SELECT coalesce(resnapshot_lsn::text, 'none') FROM ops.heartbeat"))
            .containsExactly("none");
      } finally {
        sql(capture, "SELECT pg_drop_replication_slot('ledger_kept')");
      }
    }
  }

  @Test
  void aMissingTableIsOneLineNamingIt() throws Exception {
    PipelineDefinition definition = definition("ledger.entries", "ledger.nothing");

    try (Connection db = owner()) {
      assertThatThrownBy(() -> SourceSetup.apply(db, definition, CAPTURE))
          .isInstanceOf(SourceSetupException.class)
          .hasMessage(
              "table ledger.nothing does not exist in database postgres, but "
                  + definition.file()
                  + " captures it");
    }
  }

  @Test
  void aRoleThatDoesNotOwnTheTablesIsToldWhichPrivilegeIsMissing() throws Exception {
    asSuperuser(
        "CREATE ROLE stranger LOGIN CREATEROLE PASSWORD 'stranger'",
        "GRANT USAGE, CREATE ON SCHEMA ledger TO stranger",
        "GRANT CREATE ON DATABASE postgres TO stranger");
    try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), "stranger", "stranger")) {
      assertThatThrownBy(() -> SourceSetup.apply(db, definition("ledger.entries"), CAPTURE))
          .isInstanceOf(SourceSetupException.class)
          .hasMessageStartingWith("cannot set REPLICA IDENTITY FULL on ledger.entries: ERROR:")
          .hasMessageContaining("must be owner of table entries")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void theCommandPrintsWhatItDidAndExitsByOutcome() throws Exception {
    Path folder = write(work.resolve("cmd"), "ledger.entries");
    Map<String, String> environment =
        Map.of("SOURCE_PASSWORD", OWNER_PASSWORD, "CAPTURE_PASSWORD", "pw");
    String[] args = {
      "--pipeline",
      folder.toString(),
      "--jdbc-url",
      postgres.jdbcUrl(),
      "--user",
      OWNER,
      "--capture-user",
      "ledger_capture",
      "--publication",
      "ledger_publication"
    };

    Run first = run(environment, args);
    Run second = run(environment, args);
    Run noPassword = run(Map.of("SOURCE_PASSWORD", OWNER_PASSWORD), args);

    assertThat(first.code).as(first.err).isZero();
    assertThat(first.out).contains("source-setup: created publication ledger_publication");
    assertThat(second.out)
        .contains(
            "source-setup: nothing to change; 2 table(s) ready for capture through publication"
                + " ledger_publication as ledger_capture");
    assertThat(noPassword.code).isEqualTo(SourceSetupCommand.BAD_INPUT);
    assertThat(noPassword.err.strip())
        .isEqualTo(
            "source-setup: CAPTURE_PASSWORD: expected the capture role's password, got none");

    String[] verified = java.util.Arrays.copyOf(args, args.length + 2);
    verified[args.length] = "--verifier-user";
    verified[args.length + 1] = "ledger_verifier";
    Run verifierWithoutPassword = run(environment, verified);
    Map<String, String> withVerifier = new java.util.HashMap<>(environment);
    withVerifier.put("VERIFIER_PASSWORD", "vpw");
    Run verifying = run(withVerifier, verified);
    assertThat(verifierWithoutPassword.code).isEqualTo(SourceSetupCommand.BAD_INPUT);
    assertThat(verifierWithoutPassword.err.strip())
        .isEqualTo(
            "source-setup: VERIFIER_PASSWORD: expected the verifier role's password, got none");
    assertThat(verifying.code).as(verifying.err).isZero();
    assertThat(verifying.out)
        .contains("source-setup: created the verifier role ledger_verifier")
        .contains(
            "ready for capture through publication ledger_publication as ledger_capture;"
                + " continuous verification as ledger_verifier");

    String[] release = java.util.Arrays.copyOf(args, args.length + 2);
    release[args.length] = "--release-lost-slot";
    release[args.length + 1] = "ledger_healthy";
    asSuperuser("SELECT pg_create_logical_replication_slot('ledger_healthy', 'pgoutput')");
    try {
      Run refused = run(environment, release);
      assertThat(refused.code).isEqualTo(SourceSetupCommand.BAD_INPUT);
      assertThat(refused.err.strip())
          .isEqualTo(
              "source-setup: replication slot ledger_healthy is not lost (wal_status reserved)"
                  + " and no new snapshot is asked for: it is kept, and nothing is re-snapshotted");
    } finally {
      asSuperuser("SELECT pg_drop_replication_slot('ledger_healthy')");
    }
  }

  private record Run(int code, String out, String err) {}

  private static Run run(Map<String, String> environment, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        SourceSetupCommand.run(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            environment,
            args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static PipelineDefinition definition(String... tables) throws Exception {
    return PipelineDefinitions.load(write(Files.createTempDirectory(work, "def"), tables));
  }

  private static Path write(Path folder, String... tables) throws Exception {
    Files.createDirectories(folder);
    StringBuilder yaml =
        new StringBuilder(
            "name: ledger\nsource:\n  topicPrefix: pay\n  heartbeat: ops.heartbeat\n  tables:\n");
    for (String table : tables) {
      yaml.append("    - table: ").append(table).append('\n');
      if (table.equals("ledger.entries")) {
        yaml.append("      key: [account_id, entry_no]\n");
      }
    }
    yaml.append("analytics:\n  - {name: n, query: n.sql, key: [a]}\n");
    Files.writeString(folder.resolve("pipeline.yaml"), yaml.toString());
    Files.writeString(folder.resolve("n.sql"), "SELECT 1 AS a");
    return folder;
  }

  private static Connection owner() throws Exception {
    return DriverManager.getConnection(postgres.jdbcUrl(), OWNER, OWNER_PASSWORD);
  }

  private static void sql(Connection db, String... statements) throws Exception {
    try (Statement sql = db.createStatement()) {
      for (String statement : statements) {
        sql.execute(statement);
      }
    }
  }

  private static void asOwner(String... statements) throws Exception {
    try (Connection db = owner()) {
      sql(db, statements);
    }
  }

  private static void asSuperuser(String... statements) throws Exception {
    try (Connection db = postgres.superuserConnection()) {
      sql(db, statements);
    }
  }

  private static List<String> query(String query) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection db = postgres.superuserConnection();
        Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery(query)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
