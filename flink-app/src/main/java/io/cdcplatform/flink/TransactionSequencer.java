package io.cdcplatform.flink;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies source transactions whole and in commit order.
 *
 * <p>The changes of one transaction reach the job on several partitions of several topics, in any
 * interleaving with other transactions. This operator (one instance for the job) holds each
 * streamed change until its transaction is complete and every transaction committed before it has
 * been passed on: Debezium's END record (first input, in commit order on a one-partition topic)
 * says how many changes of the captured tables the transaction holds, each change carries its
 * transaction's id and its place in it ({@code total_order}, which also tells a redelivered change
 * from a new one). A transaction is then passed on in one go, so no checkpoint barrier falls inside
 * it, and after each checkpoint's last transaction the position reached goes to {@link #POSITIONS}
 * for the sinks to commit with the results. Aligned checkpoints therefore cut the whole dataflow at
 * a commit boundary of the source: every result a checkpoint commits reflects exactly the
 * transactions up to its position.
 *
 * <p>The watermark is held below the oldest change held, so a change is never late for having
 * waited here. Snapshot reads (which belong to no transaction), changes of transactions already
 * passed on (redeliveries: the router drops what it has) and changes of a connector without
 * transaction metadata go on at once. What cannot be completed is never held for good: a
 * transaction whose END came but whose changes have not all come after {@code timeout} (one went to
 * the dead letters before its id could be read, say) is passed on without them and named as a
 * change not applied; changes whose END never comes are passed on after the same wait.
 */
final class TransactionSequencer extends AbstractStreamOperator<Change>
    implements TwoInputStreamOperator<Change, TransactionEnd, Change> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TransactionSequencer.class);

  /** The source position each checkpoint reaches, sent before its barrier. */
  static final OutputTag<SourcePosition> POSITIONS = new OutputTag<>("source-positions") {};

  /** How many transactions passed on are remembered, to tell their redeliveries. */
  static final int REMEMBERED = 100_000;

  private static final long TICK_MILLIS = 1_000;

  private final long timeoutMillis;

  private transient State state;
  private transient ListState<byte[]> stored;
  private transient long inputWatermark;
  private transient long outputWatermark;
  private transient SourcePosition sent;
  private transient Counter transactionsApplied;
  private transient Counter incompleteTransactions;
  private transient Counter unendedChanges;
  private transient Counter redeliveries;
  private transient Counter changesOutsideTransactions;
  private transient Counter snapshotReadsAfterStreaming;

  /** A change held, with its timestamp in the stream. */
  private record Held(Change change, long timestamp) implements Serializable {}

  /** The changes of one transaction seen so far, by their place in it. */
  private static final class Open implements Serializable {
    private static final long serialVersionUID = 1L;
    final TreeMap<Long, Held> changes = new TreeMap<>();
    long lastArrival;
  }

  /** Everything this operator checkpoints. */
  private static final class State implements Serializable {
    private static final long serialVersionUID = 1L;
    final Map<Long, Open> open = new HashMap<>();
    final ArrayDeque<TransactionEnd> ends = new ArrayDeque<>();
    final Map<Long, Long> endArrivals = new HashMap<>();
    // Up to REMEMBERED ids, written as one long[] (see writeObject): serializing that many boxed
    // Longs one by one took the task thread a noticeable part of every checkpoint.
    transient LinkedHashSet<Long> applied = new LinkedHashSet<>();
    final TreeMap<Long, Integer> heldTimestamps = new TreeMap<>();
    SourcePosition position;

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
      out.defaultWriteObject();
      long[] ids = new long[applied.size()];
      int i = 0;
      for (long id : applied) {
        ids[i++] = id;
      }
      out.writeObject(ids);
    }

    private void readObject(java.io.ObjectInputStream in)
        throws java.io.IOException, ClassNotFoundException {
      in.defaultReadObject();
      long[] ids = (long[]) in.readObject();
      applied = new LinkedHashSet<>(ids.length * 2);
      for (long id : ids) {
        applied.add(id);
      }
    }
  }

  /**
   * @param timeoutMillis how long a transaction waits for changes that do not come
   */
  TransactionSequencer(long timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    stored =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "transaction-sequencer",
                    PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    state = new State();
    if (context.isRestored()) {
      for (byte[] bytes : stored.get()) {
        state = (State) JavaBytes.read(bytes);
      }
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    inputWatermark = Long.MIN_VALUE;
    outputWatermark = Long.MIN_VALUE;
    var metrics = getRuntimeContext().getMetricGroup();
    transactionsApplied = metrics.counter("transactionsApplied");
    incompleteTransactions = metrics.counter("incompleteTransactions");
    unendedChanges = metrics.counter("unendedChanges");
    redeliveries = metrics.counter("transactionRedeliveries");
    changesOutsideTransactions = metrics.counter("changesOutsideTransactions");
    snapshotReadsAfterStreaming = metrics.counter("snapshotReadsAfterStreaming");
    metrics.gauge(
        "heldChanges", () -> state.heldTimestamps.values().stream().mapToInt(i -> i).sum());
    metrics.gauge("openTransactions", () -> state.open.size());
    // Restored transactions' waits start again: the job was down, not the transactions late.
    long now = now();
    state.open.values().forEach(open -> open.lastArrival = now);
    state.endArrivals.replaceAll((id, at) -> now);
    schedule();
  }

  @Override
  public void processElement1(StreamRecord<Change> record) {
    Change change = record.getValue();
    long timestamp = record.hasTimestamp() ? record.getTimestamp() : Long.MIN_VALUE;
    if (change.txId < 0) {
      if (change.snapshot) {
        if (state.position != null) {
          snapshotReadsAfterStreaming.inc();
        }
      } else if (!change.poison()) {
        changesOutsideTransactions.inc();
      }
      emit(change, timestamp);
      return;
    }
    if (state.applied.contains(change.txId)) {
      redeliveries.inc();
      emit(change, timestamp);
      return;
    }
    Open open = state.open.computeIfAbsent(change.txId, id -> new Open());
    open.lastArrival = now();
    if (open.changes.putIfAbsent(change.txOrder, new Held(change, timestamp)) == null) {
      state.heldTimestamps.merge(timestamp, 1, Integer::sum);
    } else {
      redeliveries.inc();
    }
    applyCompleted();
  }

  @Override
  public void processElement2(StreamRecord<TransactionEnd> record) {
    TransactionEnd end = record.getValue();
    if (state.endArrivals.containsKey(end.txId)) {
      return; // a redelivered END of a transaction waiting in line
    }
    if (state.applied.contains(end.txId)
        || (state.position != null && end.commitLsn <= state.position.commitLsn)) {
      // A redelivered END of a transaction applied already: what came again of it goes on.
      Open open = state.open.remove(end.txId);
      if (open != null) {
        redeliveries.inc(open.changes.size());
        release(open);
        advanceWatermark();
      }
      return;
    }
    state.ends.addLast(end);
    state.endArrivals.put(end.txId, now());
    applyCompleted();
  }

  /** Passes on, in commit order, every transaction at the head of the line that is complete. */
  private void applyCompleted() {
    while (!state.ends.isEmpty()) {
      TransactionEnd head = state.ends.peekFirst();
      Open open = state.open.get(head.txId);
      if ((open == null ? 0 : open.changes.size()) < head.changes) {
        break;
      }
      apply(head);
    }
    advanceWatermark();
  }

  private void apply(TransactionEnd end) {
    state.ends.pollFirst();
    state.endArrivals.remove(end.txId);
    Open open = state.open.remove(end.txId);
    if (open != null) {
      release(open);
    }
    state.applied.add(end.txId);
    if (state.applied.size() > REMEMBERED) {
      Iterator<Long> oldest = state.applied.iterator();
      oldest.next();
      oldest.remove();
    }
    state.position = new SourcePosition(end);
    transactionsApplied.inc();
  }

  private void release(Open open) {
    for (Held held : open.changes.values()) {
      state.heldTimestamps.computeIfPresent(held.timestamp(), (t, n) -> n == 1 ? null : n - 1);
      emit(held.change(), held.timestamp());
    }
  }

  /** Once a second: what has waited too long goes on, so nothing is held for good. */
  private void tick(long time) {
    long now = now();
    TransactionEnd head;
    while ((head = state.ends.peekFirst()) != null) {
      Open open = state.open.get(head.txId);
      long lastProgress =
          Math.max(state.endArrivals.get(head.txId), open == null ? 0 : open.lastArrival);
      if (now - lastProgress < timeoutMillis) {
        break;
      }
      long arrived = open == null ? 0 : open.changes.size();
      incompleteTransactions.inc();
      LOG.warn(
          "transaction {} ended with {} changes of the captured tables, {} arrived in {} ms:"
              + " applying it without the others",
          head.txId,
          head.changes,
          arrived,
          timeoutMillis);
      emit(incomplete(head, arrived), outputWatermark);
      apply(head);
      applyCompleted();
    }
    List<Long> unended = new ArrayList<>();
    for (Map.Entry<Long, Open> entry : state.open.entrySet()) {
      if (!state.endArrivals.containsKey(entry.getKey())
          && now - entry.getValue().lastArrival >= timeoutMillis) {
        unended.add(entry.getKey());
      }
    }
    for (Long id : unended) {
      Open open = state.open.remove(id);
      unendedChanges.inc(open.changes.size());
      LOG.warn(
          "{} changes of transaction {} waited {} ms for its END, which never came: applying them",
          open.changes.size(),
          id,
          timeoutMillis);
      release(open);
    }
    advanceWatermark();
    schedule();
  }

  /** A transaction applied without some of its changes, as a change the job could not apply. */
  private Change incomplete(TransactionEnd end, long arrived) {
    Change change = new Change();
    int at = end.coordinates.lastIndexOf('@');
    int slash = end.coordinates.lastIndexOf('/', at);
    change.topic = end.coordinates.substring(0, slash);
    change.partition = Integer.parseInt(end.coordinates.substring(slash + 1, at));
    change.offset = Long.parseLong(end.coordinates.substring(at + 1));
    change.kafkaTimestamp = end.commitMillis;
    change.eventMillis = end.commitMillis;
    change.reason =
        "source transaction "
            + end.txId
            + " (commit LSN "
            + end.commitLsn
            + ") holds "
            + end.changes
            + " changes of the captured tables but only "
            + arrived
            + " arrived within "
            + timeoutMillis
            + " ms; it was applied without the others (look for them among the dead letters)";
    return change;
  }

  private void emit(Change change, long timestamp) {
    output.collect(
        timestamp == Long.MIN_VALUE
            ? new StreamRecord<>(change)
            : new StreamRecord<>(change, timestamp));
  }

  @Override
  public void processWatermark1(Watermark mark) {
    inputWatermark = mark.getTimestamp();
    advanceWatermark();
  }

  /** The transaction topic has no event time: its watermarks are not the job's. */
  @Override
  public void processWatermark2(Watermark mark) {}

  private void advanceWatermark() {
    long watermark =
        state.heldTimestamps.isEmpty()
            ? inputWatermark
            : Math.min(inputWatermark, state.heldTimestamps.firstKey() - 1);
    if (watermark > outputWatermark) {
      outputWatermark = watermark;
      output.emitWatermark(new Watermark(watermark));
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    if (state.position != null && state.position != sent) {
      output.collect(POSITIONS, new StreamRecord<>(state.position));
      sent = state.position;
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    stored.update(List.of(JavaBytes.of(state)));
  }

  private void schedule() {
    getProcessingTimeService().registerTimer(now() + TICK_MILLIS, this::tick);
  }

  private long now() {
    return getProcessingTimeService().getCurrentProcessingTime();
  }
}
