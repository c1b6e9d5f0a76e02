package io.cdcplatform.flink;

import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.serialization.RuntimeContextInitializationContextAdapters;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.Projection;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DataStreamSinkProvider;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * An analytic's compacted Kafka topic as a table sink: one record per group, keyed by the group's
 * key, the whole row as its value, a tombstone when the group goes. The sink only encodes; the
 * records go to the job's one exactly-once Kafka sink through {@link ResultCommits}, so all topics
 * commit in one Kafka transaction per checkpoint.
 */
final class ResultTopicSink implements DynamicTableSink {

  private final String topic;
  private final DataType rowType;
  private final int[] key;
  private final EncodingFormat<SerializationSchema<RowData>> keyFormat;
  private final EncodingFormat<SerializationSchema<RowData>> valueFormat;
  private final String group;

  ResultTopicSink(
      String topic,
      DataType rowType,
      int[] key,
      EncodingFormat<SerializationSchema<RowData>> keyFormat,
      EncodingFormat<SerializationSchema<RowData>> valueFormat,
      String group) {
    this.topic = topic;
    this.rowType = rowType;
    this.key = key;
    this.keyFormat = keyFormat;
    this.valueFormat = valueFormat;
    this.group = group;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
    return ChangelogMode.upsert();
  }

  @Override
  public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
    Encoder encoder =
        new Encoder(
            topic,
            keyFormat.createRuntimeEncoder(context, Projection.of(key).project(rowType)),
            valueFormat.createRuntimeEncoder(context, rowType),
            key,
            rowType.getLogicalType().getChildren());
    return new DataStreamSinkProvider() {
      @Override
      public DataStreamSink<?> consumeDataStream(
          ProviderContext provider, DataStream<RowData> results) {
        DataStream<TopicRecord> records =
            results
                .flatMap(encoder)
                .returns(TypeInformation.of(TopicRecord.class))
                .name("topic-records-" + topic)
                .uid("topic-records-" + topic)
                .setParallelism(results.getParallelism());
        ResultCommits.registerTopic(group, records);
        return ResultCommits.endOfBranch(records, "gathered-topic-" + topic);
      }
    };
  }

  @Override
  public DynamicTableSink copy() {
    return new ResultTopicSink(topic, rowType, key, keyFormat, valueFormat, group);
  }

  @Override
  public String asSummaryString() {
    return "kafka: " + topic;
  }

  /** A result row as its topic's record; an UPDATE_BEFORE has no record of its own (upsert). */
  static final class Encoder extends RichFlatMapFunction<RowData, TopicRecord> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final SerializationSchema<RowData> keyEncoder;
    private final SerializationSchema<RowData> valueEncoder;
    private final RowData.FieldGetter[] keyFields;

    Encoder(
        String topic,
        SerializationSchema<RowData> keyEncoder,
        SerializationSchema<RowData> valueEncoder,
        int[] key,
        List<LogicalType> columns) {
      this.topic = topic;
      this.keyEncoder = keyEncoder;
      this.valueEncoder = valueEncoder;
      this.keyFields = new RowData.FieldGetter[key.length];
      for (int i = 0; i < key.length; i++) {
        keyFields[i] = RowData.createFieldGetter(columns.get(key[i]), key[i]);
      }
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
      SerializationSchema.InitializationContext context =
          RuntimeContextInitializationContextAdapters.serializationAdapter(getRuntimeContext());
      keyEncoder.open(context);
      valueEncoder.open(context);
    }

    @Override
    public void flatMap(RowData row, Collector<TopicRecord> out) {
      if (row.getRowKind() == RowKind.UPDATE_BEFORE) {
        return;
      }
      GenericRowData key = new GenericRowData(keyFields.length);
      for (int i = 0; i < keyFields.length; i++) {
        key.setField(i, keyFields[i].getFieldOrNull(row));
      }
      byte[] value = row.getRowKind() == RowKind.DELETE ? null : valueEncoder.serialize(row);
      out.collect(new TopicRecord(topic, keyEncoder.serialize(key), value));
    }
  }
}
