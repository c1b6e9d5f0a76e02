package io.cdcplatform.flink;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.sink.DataStreamSinkProvider;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

/**
 * An analytics table as a table sink, so the planner sees every output of the job in one plan
 * (reading each source once, and keeping each table's changelog an upsert of its key). The sink
 * only gathers the table's results per checkpoint ({@link ResultBatcher}) and hands them to the
 * job's {@link ResultsCommitter} through {@link ResultCommits}: all tables commit together.
 */
final class CheckpointedUpsertTableSink implements DynamicTableSink {

  private final ResultTable.Target target;
  private final DataType rowType;
  private final String group;

  CheckpointedUpsertTableSink(ResultTable.Target target, DataType rowType, String group) {
    this.target = target;
    this.rowType = rowType;
    this.group = group;
  }

  @Override
  public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
    return ChangelogMode.upsert();
  }

  @Override
  public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
    DataStructureConverter converter = context.createDataStructureConverter(rowType);
    return new DataStreamSinkProvider() {
      @Override
      public DataStreamSink<?> consumeDataStream(
          ProviderContext provider, DataStream<RowData> results) {
        DataStream<Committable> batches =
            results
                .transform(
                    "results-" + target.table(),
                    TypeInformation.of(Committable.class),
                    new ResultBatcher(target, converter))
                .uid("results-" + target.table())
                .setParallelism(1);
        ResultCommits.register(group, target, batches);
        return ResultCommits.endOfBranch(batches, "gathered-" + target.table());
      }
    };
  }

  @Override
  public DynamicTableSink copy() {
    return new CheckpointedUpsertTableSink(target, rowType, group);
  }

  @Override
  public String asSummaryString() {
    return "postgres: " + target.table();
  }
}
