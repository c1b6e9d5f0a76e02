package io.cdcplatform.flink;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.connectors.postgres.table.PostgreSQLDeserializationConverterFactory;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.cdc.debezium.table.DebeziumChangelogMode;
import org.apache.flink.cdc.debezium.table.RowDataDebeziumDeserializeSchema;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.conversion.DataStructureConverter;
import org.apache.flink.table.data.conversion.DataStructureConverters;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Flink CDC's Debezium records of every captured table into {@link PeerChange}s: Flink CDC's
 * own converter per table (with its PostgreSQL types) in upsert mode, since the source tables keep
 * PostgreSQL's default replica identity and an update carries no before-image. Flink then keeps
 * each key's last row to retract it (ChangelogNormalize), as the product's change router does.
 */
final class PeerChanges implements DebeziumDeserializationSchema<PeerChange> {

  private static final long serialVersionUID = 1L;

  private final List<TableLayout> layouts;
  private transient Map<String, Integer> byName;
  private transient List<RowDataDebeziumDeserializeSchema> decoders;
  private transient List<DataStructureConverter<Object, Object>> converters;

  PeerChanges(List<TableLayout> layouts) {
    this.layouts = List.copyOf(layouts);
  }

  @Override
  public void deserialize(SourceRecord record, Collector<PeerChange> out) throws Exception {
    if (!(record.value() instanceof Struct value) || value.schema().field("source") == null) {
      return; // a heartbeat or a tombstone
    }
    Struct source = value.getStruct("source");
    Integer index = tables().get(source.getString("schema") + "." + source.getString("table"));
    if (index == null) {
      return;
    }
    Long committed = source.getInt64("ts_ms");
    long sourceMillis = committed == null || "true".equals(snapshot(source)) ? 0 : committed;
    TableLayout layout = layouts.get(index);
    DataStructureConverter<Object, Object> converter = converters.get(index);
    decoders
        .get(index)
        .deserialize(
            record,
            new Collector<>() {
              @Override
              public void collect(RowData data) {
                Row row = (Row) converter.toExternal(data);
                row.setKind(data.getRowKind());
                long eventMillis =
                    layout.eventTime() < 0
                        ? sourceMillis
                        : millis(row.getField(layout.eventTime()), sourceMillis);
                out.collect(new PeerChange(index, sourceMillis, eventMillis, row));
              }

              @Override
              public void close() {}
            });
  }

  private static String snapshot(Struct source) {
    // Flink CDC's own snapshot reads carry no snapshot field (and a ts_ms of 0).
    Object flag = source.schema().field("snapshot") == null ? null : source.get("snapshot");
    return flag == null ? "false" : flag.toString();
  }

  private static long millis(Object value, long fallback) {
    if (value instanceof Instant instant) {
      return instant.toEpochMilli();
    }
    if (value instanceof LocalDateTime time) {
      return time.toInstant(ZoneOffset.UTC).toEpochMilli();
    }
    if (value instanceof LocalDate date) {
      return date.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
    return fallback;
  }

  private Map<String, Integer> tables() {
    if (byName == null) {
      Map<String, Integer> names = new HashMap<>();
      List<RowDataDebeziumDeserializeSchema> decoding = new ArrayList<>();
      List<DataStructureConverter<Object, Object>> converting = new ArrayList<>();
      for (TableLayout layout : layouts) {
        names.put(layout.name().qualified(), layout.index());
        DataType type =
            DataTypes.ROW(
                layout.columns().stream()
                    .map(c -> DataTypes.FIELD(c.name(), c.dataType()))
                    .toArray(DataTypes.Field[]::new));
        RowType rowType = (RowType) type.getLogicalType();
        decoding.add(
            RowDataDebeziumDeserializeSchema.newBuilder()
                .setPhysicalRowType(rowType)
                .setResultTypeInfo(InternalTypeInfo.of(rowType))
                .setServerTimeZone(ZoneOffset.UTC)
                .setUserDefinedConverterFactory(
                    PostgreSQLDeserializationConverterFactory.instance())
                .setChangelogMode(DebeziumChangelogMode.UPSERT)
                .build());
        @SuppressWarnings("unchecked")
        DataStructureConverter<Object, Object> converter =
            (DataStructureConverter<Object, Object>) DataStructureConverters.getConverter(type);
        converter.open(PeerChanges.class.getClassLoader());
        converting.add(converter);
      }
      decoders = decoding;
      converters = converting;
      byName = names;
    }
    return byName;
  }

  @Override
  public TypeInformation<PeerChange> getProducedType() {
    return TypeInformation.of(PeerChange.class);
  }
}
