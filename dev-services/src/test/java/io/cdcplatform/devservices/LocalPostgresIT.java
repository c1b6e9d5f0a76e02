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

  private static String single(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
