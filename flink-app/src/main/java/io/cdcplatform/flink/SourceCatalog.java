package io.cdcplatform.flink;

import io.cdcplatform.pipeline.Analytic;
import io.cdcplatform.pipeline.DefinitionException;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import io.cdcplatform.pipeline.SourceTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the captured tables' columns, types, nullability and primary keys from the source
 * database's catalog ({@code pg_catalog}, readable by any role) and checks them against the
 * definition: every table exists, has a primary key or a declared key whose columns exist, and its
 * event-time column is a date or timestamp.
 */
final class SourceCatalog {

  private static final Pattern NUMERIC = Pattern.compile("numeric\\((\\d+),(\\d+)\\)");
  private static final Pattern TIME = Pattern.compile("time(?:\\((\\d)\\))? without time zone");
  private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
  private static final Pattern LINE_COMMENT = Pattern.compile("--[^\\n]*");
  private static final Pattern WORD = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_$]*");

  /** A select list's {@code *} or {@code t.*}, or a natural join: columns used without a name. */
  private static final Pattern UNNAMED_COLUMNS =
      Pattern.compile(
          "(?i)(\\bselect\\s+((all|distinct)\\s+)?|,\\s*|\\.\\s*)\\*|\\bnatural\\s+(\\w+\\s+)*join\\b");

  private static final String COLUMNS =
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
          + " t.typtype, coalesce(i.indisprimary, false)"
          + " FROM pg_attribute a"
          + " JOIN pg_class c ON c.oid = a.attrelid"
          + " JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " JOIN pg_type t ON t.oid = a.atttypid"
          + " LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary"
          + "   AND a.attnum = ANY (i.indkey)"
          + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')"
          + "   AND a.attnum > 0 AND NOT a.attisdropped"
          + " ORDER BY a.attnum";

  /**
   * The scale an unconstrained numeric is carried at: DECIMAL(38, 18) holds 20 integer and 18
   * fractional digits; a value beyond that is refused with its reason.
   */
  static final int UNCONSTRAINED_NUMERIC_SCALE = 18;

  private SourceCatalog() {}

  /**
   * The layout of every captured table, in the definition's order.
   *
   * @throws DefinitionException one line naming the definition, the table and the problem
   */
  static List<TableLayout> read(Connection db, PipelineDefinition definition) throws SQLException {
    Set<String> mentioned = mentioned(definition);
    List<TableLayout> layouts = new ArrayList<>();
    for (SourceTable table : definition.source().captured()) {
      layouts.add(layout(db, definition, table, layouts.size(), mentioned));
    }
    return List.copyOf(layouts);
  }

  /**
   * Every word the analytics' queries use, in lower case; null when a query may use a column
   * without naming it ({@code *} in a select list, {@code t.*}, a natural join). A column whose
   * name is none of these words is read by no analytic.
   */
  static Set<String> mentioned(PipelineDefinition definition) {
    Set<String> words = new HashSet<>();
    for (Analytic analytic : definition.analytics()) {
      String query = BLOCK_COMMENT.matcher(analytic.query()).replaceAll(" ");
      query = LINE_COMMENT.matcher(query).replaceAll(" ");
      if (UNNAMED_COLUMNS.matcher(query).find()) {
        return null;
      }
      Matcher word = WORD.matcher(query);
      while (word.find()) {
        words.add(word.group().toLowerCase(Locale.ROOT));
      }
    }
    return words;
  }

  private static TableLayout layout(
      Connection db,
      PipelineDefinition definition,
      SourceTable table,
      int index,
      Set<String> mentioned)
      throws SQLException {
    String where = "table " + table.name();
    List<SourceColumn> columns = new ArrayList<>();
    List<String> primaryKey = new ArrayList<>();
    Map<String, String> uncarried = new LinkedHashMap<>();
    try (PreparedStatement query = db.prepareStatement(COLUMNS)) {
      query.setString(1, table.name().schema());
      query.setString(2, table.name().table());
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          String type = rs.getString(2);
          boolean notNull = rs.getBoolean(3);
          if (rs.getBoolean(5)) {
            primaryKey.add(name);
          }
          SourceColumn column = column(name, type, rs.getString(4), !notNull);
          if (column == null) {
            uncarried.put(name, type);
          } else {
            columns.add(column);
          }
        }
      }
    }
    if (columns.isEmpty() && uncarried.isEmpty()) {
      throw fail(definition, where, "not found in the source database (or it has no columns)");
    }
    if (table.declaredColumns()) {
      for (String name : table.columns()) {
        if (position(columns, name) < 0 && !uncarried.containsKey(name)) {
          throw fail(definition, where, "column " + name + " does not exist");
        }
      }
      if (!table.declaredKey()) {
        for (String name : primaryKey) {
          if (!table.columns().contains(name)) {
            throw fail(
                definition,
                where,
                "primary key column " + name + " is not among the columns; capture it");
          }
        }
      }
      // The others never leave the database: Debezium's column.include.list leaves them out.
      columns.removeIf(column -> !table.columns().contains(column.name()));
      uncarried.keySet().retainAll(table.columns());
    }
    List<String> keyNames = table.declaredKey() ? table.key() : primaryKey;
    if (keyNames.isEmpty()) {
      throw fail(
          definition,
          where,
          "has no primary key; declare the columns that identify a row (key: [...])");
    }
    List<Integer> key = new ArrayList<>();
    for (String name : keyNames) {
      int position = position(columns, name);
      if (position < 0) {
        throw fail(
            definition,
            where,
            "key column "
                + name
                + (uncarried.containsKey(name)
                    ? " has type " + uncarried.get(name) + ", which cannot be a key here"
                    : " does not exist"));
      }
      key.add(position);
    }
    int eventTime = -1;
    if (table.eventTime() != null) {
      eventTime = position(columns, table.eventTime());
      if (eventTime < 0 || !columns.get(eventTime).kind().temporal()) {
        throw fail(
            definition,
            where,
            "event-time column "
                + table.eventTime()
                + (eventTime < 0
                    ? " does not exist"
                    : " has type "
                        + columns.get(eventTime).type()
                        + "; expected date, timestamp or timestamptz"));
      }
    }
    boolean isPrimary = !table.declaredKey() || keyNames.equals(primaryKey);
    boolean heartbeat = table.name().equals(definition.source().heartbeat());
    if (mentioned != null && !heartbeat) {
      // A column no analytic reads is not carried: it may be dropped, retyped or hold any value
      // without a change of its table becoming a dead letter. The key and the event time stay.
      Set<String> kept = new HashSet<>(keyNames);
      if (table.eventTime() != null) {
        kept.add(table.eventTime());
      }
      List<SourceColumn> carried = new ArrayList<>();
      for (SourceColumn column : columns) {
        if (kept.contains(column.name())
            || mentioned.contains(column.name().toLowerCase(Locale.ROOT))) {
          carried.add(column);
        }
      }
      key = new ArrayList<>();
      for (String name : keyNames) {
        key.add(position(carried, name));
      }
      eventTime = table.eventTime() == null ? -1 : position(carried, table.eventTime());
      columns = carried;
    }
    return new TableLayout(
        index,
        table.name(),
        table.topic(definition.source().topicPrefix()),
        List.copyOf(columns),
        List.copyOf(key),
        isPrimary,
        eventTime,
        heartbeat,
        Map.copyOf(uncarried));
  }

  /** How a column of a catalog type travels, or null where the platform does not carry it. */
  static SourceColumn column(String name, String type, String typtype, boolean nullable) {
    String base = type.replaceAll("\\(.*\\)", "");
    Matcher numeric = NUMERIC.matcher(type);
    if (numeric.matches()) {
      int precision = Integer.parseInt(numeric.group(1));
      int scale = Integer.parseInt(numeric.group(2));
      // Flink's DECIMAL holds 38 digits: a wider numeric keeps its scale (up to 38) and a value
      // with more digits than that is refused by name, never rounded.
      return new SourceColumn(
          name, type, ColumnKind.DECIMAL, Math.min(precision, 38), Math.min(scale, 38), nullable);
    }
    if (type.equals("numeric")) {
      return new SourceColumn(
          name, type, ColumnKind.DECIMAL, 38, UNCONSTRAINED_NUMERIC_SCALE, nullable);
    }
    Matcher time = TIME.matcher(type);
    if (time.matches()) {
      int precision = time.group(1) == null ? 6 : Integer.parseInt(time.group(1));
      return precision <= 3
          ? new SourceColumn(name, type, ColumnKind.TIME, precision, 0, nullable)
          : new SourceColumn(name, type, ColumnKind.TIME_TEXT, 0, 0, nullable);
    }
    if ("e".equals(typtype)) {
      return new SourceColumn(name, type, ColumnKind.TEXT, 0, 0, nullable);
    }
    ColumnKind kind = kind(base);
    return kind == null ? null : new SourceColumn(name, type, kind, 0, 0, nullable);
  }

  private static ColumnKind kind(String base) {
    switch (base) {
      case "smallint":
        return ColumnKind.SMALLINT;
      case "integer":
        return ColumnKind.INTEGER;
      case "bigint":
        return ColumnKind.BIGINT;
      case "real":
        return ColumnKind.REAL;
      case "double precision":
        return ColumnKind.DOUBLE;
      case "boolean":
        return ColumnKind.BOOLEAN;
      case "text":
      case "character varying":
      case "character":
      case "uuid":
      case "json":
      case "jsonb":
        return ColumnKind.TEXT;
      case "bytea":
        return ColumnKind.BYTES;
      case "date":
        return ColumnKind.DATE;
      case "timestamp without time zone":
        return ColumnKind.TIMESTAMP;
      case "timestamp with time zone":
        return ColumnKind.TIMESTAMPTZ;
      default:
        return null;
    }
  }

  private static int position(List<SourceColumn> columns, String name) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static DefinitionException fail(
      PipelineDefinition definition, String where, String problem) {
    return new DefinitionException(PipelineDefinitions.problem(definition.file(), where, problem));
  }
}
