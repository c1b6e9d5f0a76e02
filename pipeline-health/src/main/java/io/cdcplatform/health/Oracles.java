package io.cdcplatform.health;

import io.cdcplatform.pipeline.Analytic;
import io.cdcplatform.pipeline.PipelineDefinition;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The oracles of a pipeline definition and their comparison with the analytics tables: each
 * analytic's oracle query (its own query where that is valid PostgreSQL) must return exactly the
 * table's rows, in the columns the query returns (a table may carry more, such as window markers,
 * that no query over the source can know).
 */
public final class Oracles {

  /** One table and the query over the source tables that must return its rows. */
  public record Oracle(String table, String sql) {}

  /** The outcome of one comparison; {@code samples} holds a few differing rows, side first. */
  public record Comparison(
      String table, long tableRows, long oracleRows, long differing, List<String> samples) {

    public boolean equal() {
      return differing == 0;
    }
  }

  /** How many differing rows a comparison keeps to show. */
  static final int SAMPLES = 10;

  private Oracles() {}

  /** The oracle of every analytic of a definition that has one, in declaration order. */
  public static List<Oracle> of(PipelineDefinition definition) {
    List<Oracle> oracles = new ArrayList<>();
    for (Analytic analytic : definition.analytics()) {
      if (analytic.checked()) {
        oracles.add(new Oracle(analytic.table().qualified(), analytic.oracleQuery()));
      }
    }
    return List.copyOf(oracles);
  }

  /**
   * Compares one table with its oracle, both ways, counting duplicates (EXCEPT ALL). The oracle and
   * the table are each read once, as materialized common table expressions.
   */
  public static Comparison compare(Connection db, Oracle oracle) throws SQLException {
    try (Statement sql = db.createStatement()) {
      String with =
          "WITH o AS MATERIALIZED ("
              + oracle.sql()
              + "), t AS MATERIALIZED ("
              + projected(sql, oracle)
              + ") ";
      long tableRows;
      long oracleRows;
      long differing;
      try (ResultSet rs =
          sql.executeQuery(
              with
                  + "SELECT (SELECT count(*) FROM t), (SELECT count(*) FROM o),"
                  + " (SELECT count(*) FROM ((TABLE t EXCEPT ALL TABLE o)"
                  + " UNION ALL (TABLE o EXCEPT ALL TABLE t)) AS d)")) {
        rs.next();
        tableRows = rs.getLong(1);
        oracleRows = rs.getLong(2);
        differing = rs.getLong(3);
      }
      List<String> samples = new ArrayList<>();
      if (differing > 0) {
        try (ResultSet rs =
            sql.executeQuery(
                with
                    + "(SELECT 'table  ', r::text FROM (TABLE t EXCEPT ALL TABLE o) AS r)"
                    + " UNION ALL (SELECT 'oracle ', r::text FROM (TABLE o EXCEPT ALL TABLE t) AS r)"
                    + " LIMIT "
                    + SAMPLES)) {
          while (rs.next()) {
            samples.add(rs.getString(1) + rs.getString(2));
          }
        }
      }
      return new Comparison(oracle.table(), tableRows, oracleRows, differing, List.copyOf(samples));
    }
  }

  /** Compares every table with its oracle. */
  public static List<Comparison> compareAll(Connection db, List<Oracle> oracles)
      throws SQLException {
    List<Comparison> comparisons = new ArrayList<>();
    for (Oracle oracle : oracles) {
      comparisons.add(compare(db, oracle));
    }
    return comparisons;
  }

  /**
   * Compares every table with its oracle, once a second, until all are equal or {@code wait} has
   * passed; the last comparisons.
   */
  public static List<Comparison> compareUntilEqual(
      Connection db, List<Oracle> oracles, java.time.Duration wait)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    List<Comparison> comparisons = compareAll(db, oracles);
    while (!comparisons.stream().allMatch(Comparison::equal) && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      comparisons = compareAll(db, oracles);
    }
    return comparisons;
  }

  /** The table's rows in the columns its oracle returns, in the oracle's order. */
  private static String projected(Statement sql, Oracle oracle) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = sql.executeQuery("SELECT * FROM (" + oracle.sql() + ") AS o LIMIT 0")) {
      ResultSetMetaData meta = rs.getMetaData();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        columns.add(meta.getColumnName(i));
      }
    }
    return "SELECT " + String.join(", ", columns) + " FROM " + oracle.table();
  }
}
