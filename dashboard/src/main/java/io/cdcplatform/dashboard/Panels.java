package io.cdcplatform.dashboard;

import io.cdcplatform.pipeline.Analytic;
import io.cdcplatform.pipeline.Panel;
import io.cdcplatform.pipeline.PipelineDefinition;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One dashboard panel per declared analytic, as its definition says ({@link Panel}) or by default:
 * an analytic with a window is a time series over its window column, one series per group (its
 * other key columns), of its first numeric column; any other is a table of its top rows by that
 * column. Names in the queries below come from the definition, which allows only plain lower-case
 * identifiers.
 */
final class Panels {

  /** A panel as the page draws it. */
  record Spec(
      String name,
      String description,
      String chart,
      String x,
      String series,
      String value,
      int top,
      boolean window,
      List<String> columns,
      String table,
      boolean ready) {}

  private static final Set<Integer> NUMERIC =
      Set.of(
          Types.SMALLINT,
          Types.INTEGER,
          Types.BIGINT,
          Types.NUMERIC,
          Types.DECIMAL,
          Types.REAL,
          Types.FLOAT,
          Types.DOUBLE);

  private Panels() {}

  /** The panels of a definition, resolved against the tables as they are. */
  static List<Spec> of(Connection db, PipelineDefinition definition) throws SQLException {
    List<Spec> specs = new ArrayList<>();
    for (Analytic analytic : definition.analytics()) {
      specs.add(spec(db, analytic));
    }
    return List.copyOf(specs);
  }

  private static Spec spec(Connection db, Analytic analytic) throws SQLException {
    Map<String, Integer> columns = new LinkedHashMap<>();
    try (Statement sql = db.createStatement();
        ResultSet exists =
            sql.executeQuery("SELECT to_regclass('" + analytic.table().qualified() + "')")) {
      exists.next();
      if (exists.getString(1) == null) {
        // The job creates the table when it starts; until then the panel waits.
        return table(analytic, null, List.of(), false);
      }
    }
    try (Statement sql = db.createStatement();
        ResultSet rs = sql.executeQuery("SELECT * FROM " + analytic.table() + " LIMIT 0")) {
      ResultSetMetaData meta = rs.getMetaData();
      for (int i = 1; i <= meta.getColumnCount(); i++) {
        columns.put(meta.getColumnName(i), meta.getColumnType(i));
      }
    }
    boolean window = analytic.window() != null;
    List<String> names = new ArrayList<>(columns.keySet());
    if (analytic.panel() != null) {
      Panel panel = analytic.panel();
      return new Spec(
          analytic.name(),
          analytic.description(),
          panel.chart(),
          panel.x(),
          panel.series(),
          panel.value(),
          panel.top(),
          window,
          names,
          analytic.table().qualified(),
          true);
    }
    String value =
        columns.entrySet().stream()
            .filter(e -> NUMERIC.contains(e.getValue()) && !analytic.key().contains(e.getKey()))
            .filter(e -> !e.getKey().equals("late_updates"))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElse(null);
    if (window) {
      List<String> others = new ArrayList<>(analytic.key());
      others.remove(analytic.window().column());
      return new Spec(
          analytic.name(),
          analytic.description(),
          "timeseries",
          analytic.window().column(),
          others.isEmpty() ? null : "concat_ws(' ', " + String.join(", ", others) + ")",
          value,
          10,
          true,
          names,
          analytic.table().qualified(),
          true);
    }
    return table(analytic, value, names, true);
  }

  /** The top rows of the analytic's table, largest {@code value} first. */
  private static Spec table(Analytic analytic, String value, List<String> columns, boolean ready) {
    return new Spec(
        analytic.name(),
        analytic.description(),
        "table",
        null,
        null,
        value,
        10,
        false,
        columns,
        analytic.table().qualified(),
        ready);
  }

  /**
   * The query of a panel's rows; a time series takes {@code minutes} as its one parameter and shows
   * that many minutes up to its newest point that is not ahead of the database's clock (by more
   * than a minute): a row dated decades ahead stays in its table but does not empty the view.
   */
  static String query(Spec spec) {
    String order = spec.value() == null ? "" : " ORDER BY " + spec.value() + " DESC NULLS LAST, 1";
    switch (spec.chart()) {
      case "timeseries":
        return "SELECT "
            + spec.x()
            + " AS x, "
            + (spec.series() == null ? "''" : spec.series())
            + " AS series, "
            + spec.value()
            + " AS value"
            + (spec.window() ? ", window_closed, late_updates" : "")
            + " FROM "
            + spec.table()
            + " WHERE "
            + spec.x()
            + " > (SELECT max("
            + spec.x()
            + ") FROM "
            + spec.table()
            + " WHERE "
            + spec.x()
            + " <= now() + interval '1 minute') - make_interval(mins => ?) AND "
            + spec.x()
            + " <= now() + interval '1 minute' ORDER BY x, series";
      case "bars":
        return "SELECT "
            + spec.x()
            + " AS x, "
            + spec.value()
            + " AS value FROM "
            + spec.table()
            + order
            + " LIMIT "
            + spec.top();
      default:
        return "SELECT * FROM " + spec.table() + order + " LIMIT " + spec.top();
    }
  }
}
