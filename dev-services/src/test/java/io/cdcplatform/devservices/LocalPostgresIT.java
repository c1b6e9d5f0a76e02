package io.cdcplatform.devservices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPostgresIT {

  @TempDir static Path dir;
  static LocalPostgres postgres;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(0, dir.resolve("data"), dir.resolve("postgres.log"));
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @Test
  void serverIsPostgres17WithLogicalWal() throws SQLException {
    try (Connection c = postgres.superuserConnection();
        Statement s = c.createStatement()) {
      assertThat(single(s, "SHOW wal_level")).isEqualTo("logical");
      assertThat(single(s, "SHOW server_version_num")).startsWith("17");
      assertThat(single(s, "SHOW synchronous_commit")).isEqualTo("on");
    }
  }

  @Test
  void ownerRoleNeedsItsPassword() throws SQLException {
    postgres.createOwnerRole("owner_a", "right");
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), "owner_a", "right");
        Statement s = c.createStatement()) {
      assertThat(single(s, "SELECT current_user")).isEqualTo("owner_a");
      assertThat(single(s, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"))
          .isEqualTo("false");
    }
    assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl(), "owner_a", "wrong"))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("28P01");
  }

  @Test
  void aKilledServerStartsAgainOnItsDataWithEveryCommitAndItsSlot() throws Exception {
    try (Connection c = postgres.superuserConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE crash_probe AS SELECT g FROM generate_series(1, 50000) g");
      s.execute("SELECT pg_create_logical_replication_slot('crash_slot', 'pgoutput')");
    }
    long before = postgres.postmasterPid().orElseThrow();
    assertThat(postgres.restart()).as("a running server is left alone").isEqualTo(before);

    ProcessHandle.of(before).orElseThrow().destroyForcibly(); // kill -9
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (postgres.isRunning() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(postgres.isRunning())
        .as("a killed postmaster, even a zombie, is not running")
        .isFalse();

    long after = postgres.restart();

    assertThat(after).isNotEqualTo(before);
    assertThat(postgres.isRunning()).isTrue();
    try (Connection c = postgres.superuserConnection();
        Statement s = c.createStatement()) {
      assertThat(single(s, "SELECT count(*) FROM crash_probe")).isEqualTo("50000");
      assertThat(
              single(s, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'crash_slot'"))
          .isEqualTo("1");
      assertThat(single(s, "SHOW wal_level")).isEqualTo("logical");
      s.execute("SELECT pg_drop_replication_slot('crash_slot')");
    }
  }

  private static String single(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
