package io.cdcplatform.flink;

import java.util.Set;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;

/**
 * The {@code result-topic} connector: an analytic's compacted Kafka topic, written by the job's one
 * exactly-once Kafka sink. Options: {@code topic}, {@code commit-group}, {@code key.format} and
 * {@code value.format} with their formats' own options ({@code key.json.*}, {@code value.json.*}).
 */
public final class ResultTopicSinkFactory implements DynamicTableSinkFactory {

  static final String IDENTIFIER = "result-topic";

  static final ConfigOption<String> TOPIC =
      ConfigOptions.key("topic").stringType().noDefaultValue();

  /** Which job's Kafka sink writes the topic ({@link ResultCommits}). */
  static final ConfigOption<String> COMMIT_GROUP =
      ConfigOptions.key("commit-group").stringType().noDefaultValue();

  static final ConfigOption<String> KEY_FORMAT =
      ConfigOptions.key("key.format").stringType().noDefaultValue();
  static final ConfigOption<String> VALUE_FORMAT =
      ConfigOptions.key("value.format").stringType().noDefaultValue();

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(TOPIC, COMMIT_GROUP, KEY_FORMAT, VALUE_FORMAT);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of();
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    EncodingFormat<SerializationSchema<RowData>> keyFormat =
        helper.discoverEncodingFormat(SerializationFormatFactory.class, KEY_FORMAT);
    EncodingFormat<SerializationSchema<RowData>> valueFormat =
        helper.discoverEncodingFormat(SerializationFormatFactory.class, VALUE_FORMAT);
    helper.validate();
    var options = helper.getOptions();
    return new ResultTopicSink(
        options.get(TOPIC),
        context.getCatalogTable().getResolvedSchema().toPhysicalRowDataType(),
        ResultCommits.primaryKey(context),
        keyFormat,
        valueFormat,
        options.get(COMMIT_GROUP));
  }
}
