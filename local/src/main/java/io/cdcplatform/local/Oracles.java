package io.cdcplatform.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The oracle queries of docs/analytics.md and their comparison with the analytics tables: each
 * {@code ### analytics.<table>} section's first {@code sql} block must return exactly the table's
 * rows, in the columns the query returns (a table may carry more, such as window markers, that no
 * query over the source can know).
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

  private static final Pattern SECTION =
      Pattern.compile("^### (analytics\\.[a-z_][a-z0-9_]*)\\s*$", Pattern.MULTILINE);
  private static final Pattern NEXT_HEADING = Pattern.compile("^#{1,6} ", Pattern.MULTILINE);
  private static final Pattern SQL_BLOCK =
      Pattern.compile("^```sql\\n(.*?)^```", Pattern.MULTILINE | Pattern.DOTALL);

  private Oracles() {}

  /**
   * Reads the oracles of a document.
   *
   * @throws IllegalArgumentException naming the file and what is missing when it cannot be used
   */
  public static List<Oracle> load(Path doc) throws IOException {
    String text;
    try {
      text = Files.readString(doc);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(doc + ": no such file; expected docs/analytics.md");
    }
    List<Oracle> oracles = new ArrayList<>();
    Matcher section = SECTION.matcher(text);
    while (section.find()) {
      String table = section.group(1);
      Matcher heading = NEXT_HEADING.matcher(text).region(section.end(), text.length());
      int end = heading.find() ? heading.start() : text.length();
      Matcher sql = SQL_BLOCK.matcher(text).region(section.end(), end);
      if (!sql.find()) {
        throw new IllegalArgumentException(
            doc + ": section " + table + " has no ```sql block; expected its oracle query");
      }
      oracles.add(new Oracle(table, sql.group(1).strip()));
    }
    if (oracles.isEmpty()) {
      throw new IllegalArgumentException(
          doc + ": no '### analytics.<table>' section with an oracle query");
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
