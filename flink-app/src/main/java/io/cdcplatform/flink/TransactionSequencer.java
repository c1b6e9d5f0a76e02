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
 * says how many changes of the captured tables the transaction holds, and each change carries its
 * transaction's id. A change's place in its transaction is its WAL position, then its table and row
 * (one WAL record can hold several rows, as COPY writes them), which also tells a redelivered
 * change from a new one. Debezium's {@code total_order} is not used for that: a connector that
 * restarts inside a transaction without a new task (PostgreSQL went away under it, say) numbers the
 * rest of the transaction from 1 again, and its END counts only those; counting places instead
 * keeps every change, where orders would have taken the renumbered ones for redeliveries and lost
 * them. The END's count is then that of the last run, which began at the latest change numbered 1:
 * a transaction is complete when that many changes are held from that change's WAL position on.
 * (Should that first change still be on its way when the END and an earlier run's changes have
 * come, the transaction can go on before the rest of the last run, which then goes on change by
 * change as it comes: the tables end exact, but that one transaction was not applied in one go.) A
 * transaction is then passed on in one go, so no checkpoint barrier falls inside it, and after each
 * checkpoint's last transaction the position reached goes to {@link #POSITIONS} for the sinks to
 * commit with the results. Aligned checkpoints therefore cut the whole dataflow at a commit
 * boundary of the source: every result a checkpoint commits reflects exactly the transactions up to
 * its position.
 *
 * <p>The watermark is held below the oldest change held, so a change is never late for having
 * waited here. Snapshot reads (which belong to no transaction), changes of transactions already
 * passed on (redeliveries: the router drops what it has) and changes of a connector without
 * transaction metadata go on at once. What cannot be completed is never held for good: a
 * transaction whose END came but whose changes have not all come after {@code timeout} (one went to
 * the dead letters before its id could be read, say) is passed on without them and named as a
 * change not applied; changes whose END never comes are passed on after the same wait.
 *
 * <p>Continuous verification asks for a cut through the heartbeat row, which flows in commit order
 * like every captured table. A streamed heartbeat change carrying a new round (and no cut yet)
 * makes the operator hold every transaction after it. The round's second heartbeat change names the
 * WAL position of the source snapshot the verifier evaluated the oracles in: the transactions held
 * that committed up to it go on, the position reached is sent before the next barrier as the
 * round's cut (with the first transaction held back, which lets the verifier prove the cut equals
 * its snapshot), and once that checkpoint is complete, so its results are committed on their own,
 * the rest goes on. A round whose second change does not come within {@link #HOLD_MILLIS} is given
 * up, so the verifier can delay the results by that much at most, never stop them.
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

  /** The longest a verification round may hold transactions back. */
  static final long HOLD_MILLIS = 5_000;

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
  private transient Counter verificationCuts;
  private transient Counter verificationRoundsGivenUp;
  private transient long holdStarted;

  /** A change held, with its timestamp in the stream. */
  private record Held(Change change, long timestamp) implements Serializable {}

  /** Where a change is in its transaction: its WAL position, then its table and row. */
  private record Place(long lsn, int table, String key) implements Comparable<Place>, Serializable {

    static Place of(Change change) {
      return new Place(change.lsn, change.table, change.key == null ? "" : change.key);
    }

    @Override
    public int compareTo(Place other) {
      int byLsn = Long.compare(lsn, other.lsn);
      if (byLsn != 0) {
        return byLsn;
      }
      int byTable = Integer.compare(table, other.table);
      return byTable != 0 ? byTable : key.compareTo(other.key);
    }
  }

  /** The changes of one transaction seen so far, by their place in it. */
  private static final class Open implements Serializable {
    private static final long serialVersionUID = 1L;
    TreeMap<Place, Held> changes = new TreeMap<>();
    long lastArrival;
    // Where Debezium's last run through the transaction began (the latest WAL position of a change
    // it numbered 1), and how many changes are held from there on: what its END counts.
    long runStart = Long.MIN_VALUE;
    int inRun;

    /** Keeps a change not held yet; notes where a run began. Returns false for a redelivery. */
    boolean hold(Change change, Held held) {
      boolean added = changes.putIfAbsent(Place.of(change), held) == null;
      if (change.txOrder == 1 && change.lsn > runStart) {
        runStart = change.lsn;
        recount();
      } else if (added && change.lsn >= runStart) {
        inRun++;
      }
      return added;
    }

    void recount() {
      inRun = 0;
      for (Place place : changes.keySet()) {
        if (place.lsn() >= runStart) {
          inRun++;
        }
      }
    }

    /**
     * A checkpoint of an earlier version kept the changes by Debezium's order in the transaction
     * (and no run): each held change knows its place, so they are held again by it.
     */
    void keepByPlace() {
      Object first = changes.isEmpty() ? null : ((TreeMap<?, ?>) changes).firstKey();
      if (first != null && !(first instanceof Place)) {
        List<Held> kept = List.copyOf(changes.values());
        changes = new TreeMap<>();
        runStart = Long.MIN_VALUE;
        inRun = 0;
        kept.forEach(held -> hold(held.change(), held));
      }
    }
  }

  /** A transaction complete and in commit order, held back by a verification round. */
  private record Withheld(TransactionEnd end, Open open) implements Serializable {}

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
    // The verification round holding transactions back (0: none), the last round handled, whether
    // its cut is made, the checkpoint that carries it (-1: not yet), and what is held.
    long verifyRound;
    long lastVerifyRound;
    boolean cutMade;
    long cutCheckpoint = -1;
    final ArrayDeque<Withheld> withheld = new ArrayDeque<>();
    final java.util.HashSet<Long> withheldIds = new java.util.HashSet<>();

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
      state.open.values().forEach(Open::keepByPlace);
      state.withheld.forEach(w -> w.open().keepByPlace());
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
    verificationCuts = metrics.counter("verificationCuts");
    verificationRoundsGivenUp = metrics.counter("verificationRoundsGivenUp");
    metrics.gauge(
        "heldChanges", () -> state.heldTimestamps.values().stream().mapToInt(i -> i).sum());
    metrics.gauge("openTransactions", () -> state.open.size());
    // Restored transactions' waits start again: the job was down, not the transactions late.
    long now = now();
    state.open.values().forEach(open -> open.lastArrival = now);
    state.endArrivals.replaceAll((id, at) -> now);
    holdStarted = now;
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
      if (!state.withheldIds.contains(change.txId)) {
        // The original of a change withheld goes on with its transaction, after the cut.
        emit(change, timestamp);
      }
      return;
    }
    Open open = state.open.computeIfAbsent(change.txId, id -> new Open());
    open.lastArrival = now();
    if (open.hold(change, new Held(change, timestamp))) {
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
        release(open, end.commitLsn);
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
      if ((open == null ? 0 : open.inRun) < head.changes) {
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
    state.applied.add(end.txId);
    if (state.applied.size() > REMEMBERED) {
      Iterator<Long> oldest = state.applied.iterator();
      oldest.next();
      oldest.remove();
    }
    pass(end, open);
  }

  /**
   * The next transaction in commit order, complete: passed on, or held back while a verification
   * round waits for its cut.
   */
  private void pass(TransactionEnd end, Open open) {
    if (state.verifyRound != 0) {
      state.withheld.addLast(new Withheld(end, open));
      state.withheldIds.add(end.txId);
      long cut = state.cutMade ? 0 : verifyCut(open, state.verifyRound);
      if (cut > 0) {
        cut(cut);
      }
      return;
    }
    if (open != null) {
      release(open, end.commitLsn);
    }
    state.position = new SourcePosition(end);
    transactionsApplied.inc();
    long round = verifyRound(open);
    if (round > state.lastVerifyRound) {
      if (verifyCut(open, round) > 0) {
        // The round's cut came without its start (the job was not reading then): too late to cut.
        state.lastVerifyRound = round;
      } else {
        state.verifyRound = round;
        holdStarted = now();
      }
    }
  }

  /**
   * Passes on what committed up to {@code cutLsn}, the WAL position of the round's snapshot, and
   * makes the position reached the round's cut; the rest waits for the checkpoint carrying it.
   */
  private void cut(long cutLsn) {
    state.cutMade = true;
    while (!state.withheld.isEmpty() && state.withheld.peekFirst().end().commitLsn <= cutLsn) {
      Withheld next = state.withheld.pollFirst();
      state.withheldIds.remove(next.end().txId);
      if (next.open() != null) {
        release(next.open(), next.end().commitLsn);
      }
      state.position = new SourcePosition(next.end());
      transactionsApplied.inc();
    }
    // Never empty: the change naming the cut committed after the snapshot, and is held.
    long nextTxId = state.withheld.isEmpty() ? 0 : state.withheld.peekFirst().end().txId;
    SourcePosition reached = state.position == null ? new SourcePosition() : state.position;
    state.position = reached.cut(state.verifyRound, nextTxId);
    verificationCuts.inc();
    LOG.info(
        "verification round {}: cut at {}, snapshot at LSN {}",
        state.verifyRound,
        state.position,
        cutLsn);
  }

  /** Ends the round: what was held goes on, in commit order (a new round may hold it again). */
  private void endRound() {
    List<Withheld> held = new ArrayList<>(state.withheld);
    state.withheld.clear();
    state.withheldIds.clear();
    state.lastVerifyRound = Math.max(state.lastVerifyRound, state.verifyRound);
    state.verifyRound = 0;
    state.cutMade = false;
    state.cutCheckpoint = -1;
    for (Withheld next : held) {
      pass(next.end(), next.open());
    }
    advanceWatermark();
  }

  /** The verification round a transaction's heartbeat change carries; 0 if none. */
  private static long verifyRound(Open open) {
    if (open != null) {
      for (Held held : open.changes.values()) {
        if (held.change().verifyRound > 0) {
          return held.change().verifyRound;
        }
      }
    }
    return 0;
  }

  /** The cut a transaction's heartbeat change names for {@code round}; 0 if none. */
  private static long verifyCut(Open open, long round) {
    if (open != null) {
      for (Held held : open.changes.values()) {
        if (held.change().verifyRound == round && held.change().verifyCut > 0) {
          return held.change().verifyCut;
        }
      }
    }
    return 0;
  }

  /**
   * Passes on a transaction's changes, each with the transaction's commit LSN ({@code 0} when its
   * END never came).
   */
  private void release(Open open, long commitLsn) {
    for (Held held : open.changes.values()) {
      state.heldTimestamps.computeIfPresent(held.timestamp(), (t, n) -> n == 1 ? null : n - 1);
      held.change().commitLsn = commitLsn;
      emit(held.change(), held.timestamp());
    }
  }

  /** Once a second: what has waited too long goes on, so nothing is held for good. */
  private void tick(long time) {
    long now = now();
    if (state.verifyRound != 0 && now - holdStarted >= HOLD_MILLIS) {
      verificationRoundsGivenUp.inc();
      LOG.warn(
          "verification round {} held {} transactions for {} ms without {}: given up",
          state.verifyRound,
          state.withheld.size(),
          HOLD_MILLIS,
          state.cutMade ? "a completed checkpoint carrying its cut" : "its cut");
      endRound();
    }
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
      release(open, 0);
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
    if (state.cutMade && state.cutCheckpoint < 0) {
      state.cutCheckpoint = checkpointId;
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    if (state.cutMade && state.cutCheckpoint >= 0 && checkpointId >= state.cutCheckpoint) {
      endRound();
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
