package io.cdcplatform.flink;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.sink.RichSinkFunction;

/**
 * A sink whose writes become visible only with completed checkpoints.
 *
 * <p>Records are collected into a batch between checkpoints. Each checkpoint keeps its batch in
 * operator state; when the checkpoint completes, the batches up to it are committed. After a crash
 * the job resumes from its last completed checkpoint, and the batches restored with it are
 * committed at once, whether or not they were before the crash: {@link #commit} must be idempotent.
 *
 * @param <IN> what the sink receives
 * @param <B> a batch of it
 */
abstract class CommitOnCheckpointSink<IN, B extends Serializable> extends RichSinkFunction<IN>
    implements CheckpointedFunction, CheckpointListener {

  private static final long serialVersionUID = 1L;

  private final String stateName;
  private transient B current;
  private transient TreeMap<Long, B> pending;
  private transient ListState<byte[]> state;
  private transient Counter commits;
  private transient Counter commitMillis;

  CommitOnCheckpointSink(String stateName) {
    this.stateName = stateName;
  }

  /** An empty batch. */
  abstract B newBatch();

  /** Adds a record to the current batch. */
  abstract void add(B batch, IN record);

  /** Commits the batches of completed checkpoints, oldest first. */
  abstract void commit(List<B> batches) throws Exception;

  /** Sets up what the sink needs before anything is restored or committed. */
  void initialize() {}

  /**
   * Told, before the first batch is made, whether this run was restored from a checkpoint or starts
   * without state.
   */
  void starting(boolean restored) {}

  /** State the sink keeps besides its batches, checkpointed with them; null for none. */
  Serializable extraState() {
    return null;
  }

  /** Takes back the state {@link #extraState} gave, on restore. */
  void restoreExtraState(Serializable extra) {}

  @Override
  public final void invoke(IN record, Context context) {
    add(current, record);
  }

  @Override
  public final void snapshotState(FunctionSnapshotContext context) throws Exception {
    pending.put(context.getCheckpointId(), current);
    current = newBatch();
    state.update(List.of(JavaBytes.of(new Serializable[] {pending, extraState()})));
  }

  @Override
  public final void notifyCheckpointComplete(long checkpointId) throws Exception {
    Map<Long, B> due = pending.headMap(checkpointId, true);
    if (!due.isEmpty()) {
      long start = System.nanoTime();
      commit(new ArrayList<>(due.values()));
      commitMillis.inc((System.nanoTime() - start) / 1_000_000);
      commits.inc();
      due.clear();
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public final void initializeState(FunctionInitializationContext context) throws Exception {
    state =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    stateName, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    pending = new TreeMap<>();
    // How long committing a completed checkpoint takes, for the benchmark's breakdown of the
    // time from a change to its result: the number of commits and their total duration.
    commits = getRuntimeContext().getMetricGroup().counter("checkpointCommits");
    commitMillis = getRuntimeContext().getMetricGroup().counter("checkpointCommitMillis");
    initialize();
    starting(context.isRestored());
    current = newBatch();
    if (context.isRestored()) {
      for (byte[] bytes : state.get()) {
        Serializable[] saved = (Serializable[]) JavaBytes.read(bytes);
        pending.putAll((TreeMap<Long, B>) saved[0]);
        restoreExtraState(saved[1]);
      }
      // Every restored batch belongs to a completed checkpoint (the one restored or an earlier
      // one): commit them now.
      if (!pending.isEmpty()) {
        commit(new ArrayList<>(pending.values()));
        pending.clear();
      }
    }
  }
}
