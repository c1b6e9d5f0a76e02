package io.cdcplatform.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stamps every record of the job's Kafka topics with the source position that its Kafka transaction
 * brings the topics to, so that a topic's reader can tell which source commit it shows, as a
 * table's reader can from {@code analytics.source_position}.
 *
 * <p>The job's one Kafka sink writes a checkpoint's records in one Kafka transaction, and a
 * checkpoint's barrier follows whole source transactions ({@link TransactionSequencer}), which
 * sends the position reached just before it. So the records are held until the barrier (when every
 * record of the checkpoint and its position have come in), then passed on in the order they came,
 * each with that position. Nothing is held across a checkpoint; the last position is kept in state
 * for the checkpoints that send none (the sequencer sends a position only when it moved). Records
 * written before any streamed transaction was applied (an initial snapshot's) carry none.
 */
final class TopicPositions extends AbstractStreamOperator<TopicRecord>
    implements TwoInputStreamOperator<TopicRecord, SourcePosition, TopicRecord> {

  private static final long serialVersionUID = 1L;

  private transient List<TopicRecord> held;
  private transient SourcePosition position;
  private transient ListState<SourcePosition> saved;

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    held = new ArrayList<>();
    saved =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("topic-position", SourcePosition.class));
    for (SourcePosition restored : saved.get()) {
      position = restored;
    }
  }

  @Override
  public void processElement1(StreamRecord<TopicRecord> record) {
    held.add(record.getValue());
  }

  @Override
  public void processElement2(StreamRecord<SourcePosition> record) {
    position = record.getValue();
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    release();
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    saved.update(position == null ? List.of() : List.of(position));
  }

  @Override
  public void finish() throws Exception {
    release();
    super.finish();
  }

  private void release() {
    for (TopicRecord record : held) {
      if (position != null) {
        record.txId = position.txId;
        record.commitLsn = position.commitLsn;
      }
      output.collect(new StreamRecord<>(record));
    }
    held.clear();
  }
}
