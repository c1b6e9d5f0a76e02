package io.cdcplatform.flink;

import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.types.DataType;

/**
 * The source tables the job reads, as their change topics carry them: the columns, the key, and the
 * column that gives a change its event time.
 */
enum ShopTable {
  ORDERS(
      "orders",
      "created_at",
      Column.bigint("id"),
      Column.bigint("customer_id"),
      Column.bigint("product_id"),
      Column.integer("quantity"),
      Column.decimal("amount"),
      Column.string("status"),
      Column.timestamp("created_at"),
      Column.timestamp("updated_at")),
  PRODUCTS(
      "products",
      null,
      Column.bigint("id"),
      Column.string("name"),
      Column.string("category"),
      Column.decimal("price")),
  CUSTOMERS(
      "customers", null, Column.bigint("id"), Column.string("name"), Column.string("country")),
  HEARTBEAT("heartbeat", "beat_at", Column.integer("id"), Column.timestamp("beat_at"));

  /** The value types a change carries; timestamps travel as epoch microseconds. */
  enum Type {
    BIGINT,
    INT,
    DECIMAL,
    STRING,
    TIMESTAMP
  }

  /** One column; the first column of each table is its primary key. */
  record Column(String name, Type type) {
    static Column bigint(String name) {
      return new Column(name, Type.BIGINT);
    }

    static Column integer(String name) {
      return new Column(name, Type.INT);
    }

    static Column decimal(String name) {
      return new Column(name, Type.DECIMAL);
    }

    static Column string(String name) {
      return new Column(name, Type.STRING);
    }

    static Column timestamp(String name) {
      return new Column(name, Type.TIMESTAMP);
    }

    DataType dataType() {
      return switch (type) {
        case BIGINT -> DataTypes.BIGINT();
        case INT -> DataTypes.INT();
        case DECIMAL -> DataTypes.DECIMAL(12, 2);
        case STRING -> DataTypes.STRING();
        case TIMESTAMP -> DataTypes.TIMESTAMP_LTZ(6);
      };
    }

    TypeInformation<?> typeInformation() {
      return switch (type) {
        case BIGINT -> Types.LONG;
        case INT -> Types.INT;
        case DECIMAL -> Types.BIG_DEC;
        case STRING -> Types.STRING;
        case TIMESTAMP -> Types.INSTANT;
      };
    }

    /** The decoded value as the table API expects it. */
    Object external(Object value) {
      if (value == null) {
        return null;
      }
      return type == Type.TIMESTAMP ? micros((Long) value) : value;
    }

    private static Instant micros(long micros) {
      return Instant.ofEpochSecond(
          Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
  }

  private final String table;
  private final String eventTimeColumn;
  private final List<Column> columns;

  ShopTable(String table, String eventTimeColumn, Column... columns) {
    this.table = table;
    this.eventTimeColumn = eventTimeColumn;
    this.columns = List.of(columns);
  }

  String table() {
    return table;
  }

  List<Column> columns() {
    return columns;
  }

  /** The index of the column whose value is a change's event time, or -1: then commit time. */
  int eventTimeIndex() {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(eventTimeColumn)) {
        return i;
      }
    }
    return -1;
  }

  String topic(String prefix) {
    return prefix + ".shop." + table;
  }

  static ShopTable forTopic(String prefix, String topic) {
    for (ShopTable candidate : values()) {
      if (candidate.topic(prefix).equals(topic)) {
        return candidate;
      }
    }
    return null;
  }

  TypeInformation<org.apache.flink.types.Row> rowType() {
    return Types.ROW_NAMED(
        columns.stream().map(Column::name).toArray(String[]::new),
        columns.stream().map(Column::typeInformation).toArray(TypeInformation[]::new));
  }

  /**
   * The table's schema over its changelog stream: the primary key, and the stream's watermarks
   * passed through so that every operator downstream sees the same event-time progress.
   */
  Schema schema() {
    Schema.Builder schema = Schema.newBuilder();
    for (Column column : columns) {
      // The key is never null; the values arrive in each type's default class (Instant,
      // BigDecimal).
      boolean key = column == columns.get(0);
      schema.column(column.name(), key ? column.dataType().notNull() : column.dataType());
    }
    return schema
        .columnByMetadata("rowtime", "TIMESTAMP_LTZ(3)")
        .watermark("rowtime", "SOURCE_WATERMARK()")
        .primaryKey(columns.get(0).name())
        .build();
  }
}
