package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.devservices.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's peer computes what the platform computes: on a real PostgreSQL, rows that were
 * there before it started (its snapshot) and inserts, updates, key moves and deletes afterwards
 * (its replication slot) end in tables equal to the oracle queries, including a windowed analytic.
 * If the peer were not exact, comparing its speed with the platform's would mean nothing.
 */
class FlinkCdcPeerJobIT {

  @TempDir static Path work;
  static LocalPostgres postgres;

  private static final String BY_COUNTRY =
      "SELECT a.country, count(*) AS moves, sum(m.amount) AS total FROM app.moves m"
          + " JOIN app.accounts a ON a.id = m.account_id GROUP BY a.country";
  private static final String PER_MINUTE =
      "SELECT date_trunc('minute', moved_at AT TIME ZONE 'UTC') AS minute_start, count(*) AS moves"
          + " FROM app.moves GROUP BY date_trunc('minute', moved_at AT TIME ZONE 'UTC')";

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start(0, work.resolve("data"), work.resolve("postgres.log"));
    sql(
        "CREATE SCHEMA app;"
            + " CREATE TABLE app.accounts (id bigint PRIMARY KEY, country text NOT NULL);"
            + " CREATE TABLE app.moves (id bigint PRIMARY KEY, account_id bigint NOT NULL,"
            + "   amount numeric(14,2) NOT NULL, moved_at timestamptz NOT NULL);"
            + " CREATE TABLE app.beats (id integer PRIMARY KEY, beat_at timestamptz NOT NULL);"
            + " INSERT INTO app.beats VALUES (1, now());"
            // As the platform's source setup leaves every captured table.
            + " ALTER TABLE app.accounts REPLICA IDENTITY FULL;"
            + " ALTER TABLE app.moves REPLICA IDENTITY FULL;"
            + " ALTER TABLE app.beats REPLICA IDENTITY FULL;"
            + " INSERT INTO app.accounts SELECT g, CASE WHEN g % 2 = 0 THEN 'de' ELSE 'fr' END"
            + "   FROM generate_series(1, 20) g;"
            + " INSERT INTO app.moves SELECT g, 1 + g % 20, g * 1.25,"
            + "   timestamptz '2026-01-01 00:00:00+00' + g * interval '7 seconds'"
            + "   FROM generate_series(1, 500) g;");
  }

  @AfterAll
  static void stop() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void snapshotAndStreamedChangesEndEqualToTheOracles() throws Exception {
    Path folder = Files.createDirectories(work.resolve("definition"));
    Files.writeString(
        folder.resolve("pipeline.yaml"),
        """
        name: app
        source:
          topicPrefix: app
          heartbeat: app.beats
          tables:
            - table: app.accounts
            - table: app.moves
              eventTime: moved_at
        analytics:
          - name: by_country
            query: by_country.sql
            key: [country]
          - name: per_minute
            query: per_minute.sql
            key: [minute_start]
            window: {column: minute_start, size: 1m, allowedLateness: 10s}
            oracle: "%s"
        job:
          checkpoint-interval: 250ms
        """
            .formatted(PER_MINUTE));
    Files.writeString(folder.resolve("by_country.sql"), BY_COUNTRY);
    Files.writeString(
        folder.resolve("per_minute.sql"),
        "SELECT FLOOR(CAST(moved_at AS TIMESTAMP(3)) TO MINUTE) AS minute_start, COUNT(*) AS moves FROM app.moves"
            + " GROUP BY FLOOR(CAST(moved_at AS TIMESTAMP(3)) TO MINUTE)");
    JobClient job =
        FlinkCdcPeerJob.prepare(
                new String[] {
                  "--pipeline",
                  folder.toString(),
                  "--jdbc-url",
                  postgres.jdbcUrl(),
                  "--jdbc-user",
                  "postgres",
                  "--checkpoint-dir",
                  work.resolve("checkpoints").toUri().toString(),
                  "--rest-port",
                  String.valueOf(freePort()),
                  "--source-host",
                  "127.0.0.1",
                  "--source-port",
                  String.valueOf(postgres.port()),
                  "--source-database",
                  LocalPostgres.DATABASE,
                  "--source-user",
                  "postgres",
                  "--source-password",
                  "",
                  "--slot",
                  "peer_it",
                  "--output-schema",
                  "peer_analytics",
                  "--debezium-properties",
                  "poll.interval.ms=20,max.batch.size=2048"
                })
            .executeAsync("flink-cdc-peer");
    try {
      awaitEqual("after the snapshot");
      sql(
          "UPDATE app.moves SET amount = amount + 1 WHERE id % 3 = 0;"
              + " UPDATE app.moves SET account_id = account_id + 1 WHERE id % 7 = 0 AND"
              + "   account_id < 20;"
              + " UPDATE app.accounts SET country = 'it' WHERE id IN (3, 4);"
              + " DELETE FROM app.moves WHERE id % 11 = 0;"
              + " UPDATE app.moves SET id = id + 10000 WHERE id % 13 = 0;"
              + " INSERT INTO app.moves SELECT g, 1 + g % 20, 2.50,"
              + "   now() - g * interval '1 second' FROM generate_series(501, 800) g;"
              + " DELETE FROM app.accounts WHERE id = 20 AND NOT EXISTS"
              + "   (SELECT FROM app.moves WHERE account_id = 20);");
      awaitEqual("after inserts, updates, key moves and deletes");
    } finally {
      job.cancel().get(30, TimeUnit.SECONDS);
    }
  }

  private static void awaitEqual(String when) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    List<String> differing = List.of();
    while (System.nanoTime() < deadline) {
      differing = new ArrayList<>();
      differing.addAll(
          differences("peer_analytics.by_country", "country, moves, total", BY_COUNTRY));
      differing.addAll(differences("peer_analytics.per_minute", "minute_start, moves", PER_MINUTE));
      if (differing.isEmpty()) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    assertThat(differing.size())
        .as(
            "rows differing from the oracles "
                + when
                + "; first ones: "
                + differing.subList(0, Math.min(6, differing.size())))
        .isZero();
  }

  /** The rows of the table not in its oracle and those of the oracle not in the table, tagged. */
  private static List<String> differences(String table, String columns, String oracle)
      throws Exception {
    try (Connection db = postgres.superuserConnection();
        Statement statement = db.createStatement()) {
      if (!exists(statement, table)) {
        return List.of(table + " does not exist");
      }
      String t = "SELECT " + columns + " FROM " + table;
      List<String> found = new ArrayList<>();
      try (ResultSet rs =
          statement.executeQuery(
              "(SELECT 'table ' || d::text FROM ("
                  + t
                  + " EXCEPT ALL "
                  + oracle
                  + ") d) UNION ALL (SELECT 'oracle ' || d::text FROM ("
                  + oracle
                  + " EXCEPT ALL "
                  + t
                  + ") d)")) {
        while (rs.next()) {
          found.add(rs.getString(1));
        }
      }
      return found;
    }
  }

  private static boolean exists(Statement statement, String table) throws Exception {
    try (ResultSet rs = statement.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private static int freePort() throws Exception {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void sql(String statements) throws Exception {
    try (Connection db = postgres.superuserConnection();
        Statement statement = db.createStatement()) {
      statement.execute(statements);
    }
  }
}
