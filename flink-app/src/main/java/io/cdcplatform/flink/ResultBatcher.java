package io.cdcplatform.flink;

import java.util.LinkedHashMap;
import java.util.List;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.connector.RuntimeConverter;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.Row;

/**
 * Gathers one analytics table's results between checkpoints, the newest row per group, and sends
 * them on just before each checkpoint's barrier, so that {@link ResultsCommitter} receives every
 * table's results of a checkpoint in that checkpoint. It keeps no state: what it holds when the job
 * fails is computed again from the checkpoint the job resumes from.
 */
final class ResultBatcher extends AbstractStreamOperator<Committable>
    implements OneInputStreamOperator<RowData, Committable> {

  private static final long serialVersionUID = 1L;

  private final ResultTable.Target target;
  private final DynamicTableSink.DataStructureConverter converter;
  private transient LinkedHashMap<List<Object>, Row> batch;

  ResultBatcher(ResultTable.Target target, DynamicTableSink.DataStructureConverter converter) {
    this.target = target;
    this.converter = converter;
  }

  @Override
  public void open() throws Exception {
    super.open();
    converter.open(RuntimeConverter.Context.create(getUserCodeClassloader()));
    batch = new LinkedHashMap<>();
  }

  @Override
  public void processElement(StreamRecord<RowData> record) {
    ResultTable.add(target, batch, (Row) converter.toExternal(record.getValue()));
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    if (!batch.isEmpty()) {
      output.collect(new StreamRecord<>(Committable.rows(target.table(), JavaBytes.of(batch))));
      batch = new LinkedHashMap<>();
    }
  }
}
