package io.cdcplatform.flink;

import java.util.Arrays;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * The {@code postgres-checkpointed} connector: a PostgreSQL table kept by upsert, committed with
 * the job's checkpoints. Options: {@code url}, {@code table-name}, {@code username}, {@code
 * password}, {@code commit-group}.
 */
public final class CheckpointedUpsertTableSinkFactory implements DynamicTableSinkFactory {

  static final String IDENTIFIER = "postgres-checkpointed";

  static final ConfigOption<String> URL = ConfigOptions.key("url").stringType().noDefaultValue();
  static final ConfigOption<String> TABLE =
      ConfigOptions.key("table-name").stringType().noDefaultValue();
  static final ConfigOption<String> USERNAME =
      ConfigOptions.key("username").stringType().noDefaultValue();

  /** Which job's {@link ResultsCommitter} commits the table ({@link ResultCommits}). */
  static final ConfigOption<String> COMMIT_GROUP =
      ConfigOptions.key("commit-group").stringType().noDefaultValue();

  static final ConfigOption<String> PASSWORD =
      ConfigOptions.key("password").stringType().defaultValue("");

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(URL, TABLE, USERNAME, COMMIT_GROUP);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(PASSWORD);
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    ResolvedSchema schema = context.getCatalogTable().getResolvedSchema();
    var options = helper.getOptions();
    return new CheckpointedUpsertTableSink(
        new ResultTable.Target(
            options.get(URL),
            options.get(USERNAME),
            options.get(PASSWORD),
            options.get(TABLE),
            schema.getColumnNames(),
            Arrays.stream(ResultCommits.primaryKey(context)).boxed().toList()),
        schema.toPhysicalRowDataType(),
        options.get(COMMIT_GROUP));
  }
}
