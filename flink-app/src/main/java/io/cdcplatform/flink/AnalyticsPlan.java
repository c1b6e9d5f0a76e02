package io.cdcplatform.flink;

import io.cdcplatform.pipeline.Analytic;
import io.cdcplatform.pipeline.DefinitionException;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import io.cdcplatform.pipeline.TableName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Plans every declared analytic with Flink's planner over the captured tables, and checks what the
 * definition cannot say by itself: the query is valid Flink SQL over the declared tables, its
 * result columns are plain names of types the analytics table can hold, the result key columns
 * exist and are never null, and a window's start is a date or timestamp. Each problem is one line
 * naming the definition's file and the analytic.
 */
final class AnalyticsPlan {

  /** One analytic, planned: its result and where its key and window columns are. */
  record Planned(
      Analytic analytic, Table table, ResolvedSchema schema, List<Integer> key, int window) {}

  private AnalyticsPlan() {}

  /**
   * Registers each captured table under its {@code schema.table} name, from the given view of its
   * changelog, and plans every analytic over them.
   */
  static List<Planned> plan(
      StreamTableEnvironment tables,
      PipelineDefinition definition,
      List<TableLayout> layouts,
      Function<TableLayout, Table> view) {
    Set<String> schemas = new HashSet<>();
    for (TableLayout layout : layouts) {
      if (schemas.add(layout.name().schema())) {
        tables.executeSql("CREATE DATABASE IF NOT EXISTS `" + layout.name().schema() + "`");
      }
      tables.createTemporaryView(
          "`" + layout.name().schema() + "`.`" + layout.name().table() + "`", view.apply(layout));
    }
    List<Planned> planned = new ArrayList<>();
    for (Analytic analytic : definition.allAnalytics()) {
      planned.add(plan(tables, definition, layouts, analytic));
    }
    return List.copyOf(planned);
  }

  private static Planned plan(
      StreamTableEnvironment tables,
      PipelineDefinition definition,
      List<TableLayout> layouts,
      Analytic analytic) {
    Table table;
    try {
      table = tables.sqlQuery(analytic.query());
    } catch (RuntimeException e) {
      throw fail(definition, analytic, plannerMessage(e) + uncarried(layouts));
    }
    ResolvedSchema schema = table.getResolvedSchema();
    Map<String, Integer> positions = new LinkedHashMap<>();
    for (Column column : schema.getColumns()) {
      String name = column.getName();
      if (!TableName.identifier(name)) {
        throw fail(
            definition,
            analytic,
            "result column '"
                + name
                + "' is not a lower-case SQL identifier; name it with AS (e.g. AS total)");
      }
      if (positions.put(name, positions.size()) != null) {
        throw fail(definition, analytic, "result column " + name + " appears twice");
      }
      LogicalType type = column.getDataType().getLogicalType();
      if (ResultColumns.postgresType(type) == null) {
        throw fail(
            definition,
            analytic,
            "result column " + name + " has type " + type + ", which no analytics table can hold");
      }
      if (analytic.window() != null && Analytic.WINDOW_COLUMNS.contains(name)) {
        throw fail(
            definition,
            analytic,
            "result column " + name + " is the name of a column the window adds; rename it");
      }
    }
    List<Integer> key = new ArrayList<>();
    for (String name : analytic.key()) {
      Integer position = positions.get(name);
      if (position == null) {
        throw fail(
            definition,
            analytic,
            "key column " + name + " is not a result column; the result has " + positions.keySet());
      }
      if (schema.getColumns().get(position).getDataType().getLogicalType().isNullable()) {
        throw fail(
            definition,
            analytic,
            "key column "
                + name
                + " may be NULL, which no key can hold; replace NULLs, e.g. COALESCE("
                + name
                + ", <value>) AS "
                + name);
      }
      key.add(position);
    }
    int window = -1;
    if (analytic.window() != null) {
      window = positions.get(analytic.window().column());
      LogicalTypeRoot root =
          schema.getColumns().get(window).getDataType().getLogicalType().getTypeRoot();
      if (root != LogicalTypeRoot.DATE
          && root != LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE
          && root != LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE) {
        throw fail(
            definition,
            analytic,
            "window column "
                + analytic.window().column()
                + " has type "
                + schema.getColumns().get(window).getDataType()
                + "; expected DATE or TIMESTAMP");
      }
    }
    if (analytic.panel() != null) {
      List<String> drawn = new ArrayList<>();
      drawn.add(analytic.panel().value());
      if (analytic.panel().x() != null) {
        drawn.add(analytic.panel().x());
      }
      if (analytic.panel().series() != null) {
        drawn.add(analytic.panel().series());
      }
      for (String column : drawn) {
        if (!positions.containsKey(column)) {
          throw fail(
              definition,
              analytic,
              "panel column "
                  + column
                  + " is not a result column; the result has "
                  + positions.keySet());
        }
      }
    }
    return new Planned(analytic, table, schema, List.copyOf(key), window);
  }

  /** Flink's own words, one line: the innermost cause that says something. */
  static String plannerMessage(Throwable error) {
    String message = error.getMessage();
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        message = cause.getMessage();
      }
    }
    String line = message == null ? error.toString() : message.strip();
    int newline = line.indexOf('\n');
    line = newline < 0 ? line : line.substring(0, newline);
    return "Flink cannot plan the query: " + line;
  }

  private static String uncarried(List<TableLayout> layouts) {
    List<String> columns = new ArrayList<>();
    for (TableLayout layout : layouts) {
      layout
          .uncarried()
          .forEach((name, type) -> columns.add(layout.name() + "." + name + " " + type));
    }
    return columns.isEmpty()
        ? ""
        : " (columns of types the platform does not carry: " + String.join(", ", columns) + ")";
  }

  static DefinitionException fail(
      PipelineDefinition definition, Analytic analytic, String problem) {
    return new DefinitionException(PipelineDefinitions.problem(definition, analytic, problem));
  }
}
