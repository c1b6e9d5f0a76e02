package io.cdcplatform.flink;

import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkFunctionProvider;
import org.apache.flink.table.types.DataType;

/**
 * {@link CheckpointedUpsertSink} as a table sink, so the planner sees every output of the job in
 * one plan and reads each source once.
 */
final class CheckpointedUpsertTableSink implements DynamicTableSink {

  private final CheckpointedUpsertSink.Target target;
  private final DataType rowType;

  CheckpointedUpsertTableSink(CheckpointedUpsertSink.Target target, DataType rowType) {
    this.target = target;
    this.rowType = rowType;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
    return ChangelogMode.upsert();
  }

  @Override
  public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
    return SinkFunctionProvider.of(
        new CheckpointedUpsertSink(target, context.createDataStructureConverter(rowType)), 1);
  }

  @Override
  public DynamicTableSink copy() {
    return new CheckpointedUpsertTableSink(target, rowType);
  }

  @Override
  public String asSummaryString() {
    return "postgres: " + target.table();
  }
}
