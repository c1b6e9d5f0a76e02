package io.cdcplatform.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;

/**
 * An analytic's result columns, as the planner resolved them, rendered for the sinks: Flink SQL
 * column definitions for the sink tables, and the PostgreSQL type that holds each exactly.
 */
final class ResultColumns {

  private ResultColumns() {}

  /**
   * The PostgreSQL type holding a Flink result type exactly, as {@code format_type} spells it, or
   * null where none does.
   */
  static String postgresType(LogicalType type) {
    switch (type.getTypeRoot()) {
      case TINYINT:
      case SMALLINT:
        return "smallint";
      case INTEGER:
        return "integer";
      case BIGINT:
        return "bigint";
      case DECIMAL:
        DecimalType decimal = (DecimalType) type;
        return "numeric(" + decimal.getPrecision() + "," + decimal.getScale() + ")";
      case FLOAT:
        return "real";
      case DOUBLE:
        return "double precision";
      case BOOLEAN:
        return "boolean";
      case CHAR:
      case VARCHAR:
        return "text";
      case BINARY:
      case VARBINARY:
        return "bytea";
      case DATE:
        return "date";
      case TIME_WITHOUT_TIME_ZONE:
        return "time(" + Math.min(((TimeType) type).getPrecision(), 6) + ") without time zone";
      case TIMESTAMP_WITHOUT_TIME_ZONE:
        return "timestamp("
            + Math.min(((TimestampType) type).getPrecision(), 6)
            + ") without time zone";
      case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
        return "timestamp("
            + Math.min(((LocalZonedTimestampType) type).getPrecision(), 6)
            + ") with time zone";
      default:
        return null;
    }
  }

  /** {@code name TYPE [NOT NULL], ...} in Flink SQL, with the primary key. */
  static String flinkColumns(ResolvedSchema schema, List<String> key) {
    List<String> parts = new ArrayList<>();
    for (Column column : schema.getColumns()) {
      parts.add(
          "`"
              + column.getName()
              + "` "
              + column.getDataType().getLogicalType().asSerializableString());
    }
    parts.add(primaryKey(key) + " NOT ENFORCED");
    return String.join(", ", parts);
  }

  private static String primaryKey(List<String> key) {
    return "PRIMARY KEY (" + String.join(", ", key) + ")";
  }
}
