package io.cdcplatform.flink;

import java.io.Serializable;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.types.DataType;

/**
 * A column of a captured table as the source's catalog describes it, and how it is carried.
 *
 * @param type PostgreSQL's name of the type, e.g. {@code numeric(12,2)}
 * @param precision DECIMAL precision, or TIME precision; 0 otherwise
 * @param scale DECIMAL scale; 0 otherwise
 */
record SourceColumn(
    String name, String type, ColumnKind kind, int precision, int scale, boolean nullable)
    implements Serializable {

  /** The column's type in Flink SQL. */
  DataType dataType() {
    DataType type;
    switch (kind) {
      case SMALLINT:
        type = DataTypes.SMALLINT();
        break;
      case INTEGER:
        type = DataTypes.INT();
        break;
      case BIGINT:
        type = DataTypes.BIGINT();
        break;
      case DECIMAL:
        type = DataTypes.DECIMAL(precision, scale);
        break;
      case REAL:
        type = DataTypes.FLOAT();
        break;
      case DOUBLE:
        type = DataTypes.DOUBLE();
        break;
      case BOOLEAN:
        type = DataTypes.BOOLEAN();
        break;
      case BYTES:
        type = DataTypes.BYTES();
        break;
      case DATE:
        type = DataTypes.DATE();
        break;
      case TIME:
        type = DataTypes.TIME(precision);
        break;
      case TIMESTAMP:
        type = DataTypes.TIMESTAMP(6);
        break;
      case TIMESTAMPTZ:
        type = DataTypes.TIMESTAMP_LTZ(6);
        break;
      default:
        type = DataTypes.STRING();
        break;
    }
    return nullable ? type.nullable() : type.notNull();
  }
}
