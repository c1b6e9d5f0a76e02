package io.cdcplatform.flink;

import io.cdcplatform.pipeline.TableName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Table layouts for tests, built from column declarations as the source catalog spells them. */
final class TestLayouts {

  private TestLayouts() {}

  /**
   * @param columns {@code name type} as {@code format_type} prints it, with {@code null} at the end
   *     for a nullable column, e.g. {@code "note text null"}
   */
  static TableLayout layout(
      int index, String table, List<Integer> key, int eventTime, String... columns) {
    return layout(index, table, key, true, eventTime, columns);
  }

  /** A table whose key is declared, not its primary key: several rows may share it. */
  static TableLayout withoutPrimaryKey(
      int index, String table, List<Integer> key, int eventTime, String... columns) {
    return layout(index, table, key, false, eventTime, columns);
  }

  private static TableLayout layout(
      int index,
      String table,
      List<Integer> key,
      boolean primaryKey,
      int eventTime,
      String... columns) {
    List<SourceColumn> parsed = new ArrayList<>();
    for (String column : columns) {
      boolean nullable = column.endsWith(" null");
      String declaration = nullable ? column.substring(0, column.length() - 5) : column;
      int space = declaration.indexOf(' ');
      SourceColumn parsedColumn =
          SourceCatalog.column(
              declaration.substring(0, space), declaration.substring(space + 1), "b", nullable);
      if (parsedColumn == null) {
        throw new IllegalArgumentException("not carried: " + column);
      }
      parsed.add(parsedColumn);
    }
    TableName name = TableName.parse(table);
    return new TableLayout(
        index,
        name,
        "cdc." + table,
        parsed,
        key,
        primaryKey,
        eventTime,
        table.endsWith(".heartbeat"),
        Map.of());
  }
}
