package io.cdcplatform.flink;

import io.cdcplatform.pipeline.TableName;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.types.Row;

/**
 * A captured table as the job carries it: its columns from the source's catalog (those of a type
 * the platform carries), the columns that identify a row, the column giving a change its event
 * time, and the topic its changes arrive on.
 *
 * @param index the table's position among the captured tables
 * @param key positions of the key columns in {@code columns}
 * @param primaryKey whether the key is the table's primary key (else declared, and maybe not
 *     unique)
 * @param eventTime position of the event-time column, or -1 for the commit time
 * @param heartbeat whether this is the capture layer's heartbeat table
 * @param uncarried columns left out, with their types, for messages
 */
record TableLayout(
    int index,
    TableName name,
    String topic,
    List<SourceColumn> columns,
    List<Integer> key,
    boolean primaryKey,
    int eventTime,
    boolean heartbeat,
    Map<String, String> uncarried)
    implements Serializable {

  /** The row type of the table's changelog. */
  TypeInformation<Row> rowType() {
    return ExternalTypeInfo.of(
        DataTypes.ROW(
            columns.stream()
                .map(c -> DataTypes.FIELD(c.name(), c.dataType()))
                .toArray(DataTypes.Field[]::new)));
  }

  /**
   * The table's schema over its changelog stream: the primary key where the table has one, and the
   * stream's watermarks passed through so that every operator downstream sees the same event-time
   * progress. A table whose key is only declared has no primary key in Flink: its rows need not be
   * unique, so its changes retract whole rows.
   */
  Schema schema() {
    Schema.Builder schema = Schema.newBuilder();
    for (SourceColumn column : columns) {
      schema.column(column.name(), column.dataType());
    }
    schema
        .columnByMetadata("rowtime", "TIMESTAMP_LTZ(3)")
        .watermark("rowtime", "SOURCE_WATERMARK()");
    if (primaryKey) {
      schema.primaryKey(key.stream().map(i -> columns.get(i).name()).collect(Collectors.toList()));
    }
    return schema.build();
  }

  /** The key columns' names. */
  List<String> keyNames() {
    return key.stream().map(i -> columns.get(i).name()).collect(Collectors.toList());
  }
}
