package io.cdcplatform.flink;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns the decoded changes of each row, keyed by table and row key, into each table's changelog,
 * once each, and applies the truncates of a table to every row of it.
 *
 * <p>Debezium delivers at least once: after a Connect crash it sends again changes it had already
 * sent. Each change carries the WAL position (LSN) of its row version, which grows with every
 * change of that row, so a change whose LSN is not above the last one applied for its row is a
 * redelivery and is counted ({@code duplicatesDropped}), not applied twice.
 *
 * <p>The router keeps the row versions it has passed on, each with its LSN, and retracts those, not
 * the event's before-image: what it retracts is always what the analytics hold. That is what makes
 * a {@code TRUNCATE} exact. A truncate carries no key and reaches the topic on any partition, so it
 * comes in on the broadcast side, possibly before or after changes of the same table that were
 * committed around it. Its LSN orders them: it retracts every kept version older than itself, and a
 * change older than the newest truncate of its table that arrives afterwards is dropped ({@code
 * truncatedDropped}); its row was removed by the truncate. Versions committed after it, even when
 * they arrived first, are left alone, so a truncate inside a larger transaction, a {@code TRUNCATE
 * ... CASCADE} (one event per table) and a redelivered truncate all end exact. LSNs do not order
 * concurrent transactions in general, but they do here: a truncate holds an ACCESS EXCLUSIVE lock,
 * so whatever changed the table before it committed before its WAL record, and whatever changes it
 * afterwards waits for its commit.
 *
 * <p>The main output carries each applied data change's source commit time, for the latency figures
 * (the heartbeat's are left out); the rows go to one side output per table.
 */
final class ChangeRouter extends KeyedBroadcastProcessFunction<String, Change, Change, Long> {

  private static final long serialVersionUID = 1L;

  /** The LSN of each table's newest truncate, by table index. */
  static final MapStateDescriptor<Integer, Long> TRUNCATES =
      new MapStateDescriptor<>("truncated-at", Types.INT, Types.LONG);

  private static final ValueStateDescriptor<Versions> VERSIONS =
      new ValueStateDescriptor<>("row-versions", TypeInformation.of(Versions.class));

  private final List<TableLayout> tables;
  private final List<OutputTag<Row>> tags;

  private transient ValueState<Long> lastLsn;
  private transient ValueState<Versions> versions;
  private transient Counter processed;
  private transient Counter duplicates;
  private transient Counter truncatedDropped;
  private transient Counter truncateRetractions;
  private transient volatile long watermark = Long.MIN_VALUE;

  ChangeRouter(List<TableLayout> tables) {
    this.tables = List.copyOf(tables);
    List<OutputTag<Row>> all = new ArrayList<>();
    for (TableLayout table : tables) {
      all.add(tag(table));
    }
    this.tags = List.copyOf(all);
  }

  /** The side output carrying a table's changelog. */
  static OutputTag<Row> tag(TableLayout table) {
    return new OutputTag<>(table.name().qualified(), table.rowType());
  }

  static String key(Change change) {
    return change.table + ":" + change.key;
  }

  @Override
  public void open(OpenContext openContext) {
    lastLsn = getRuntimeContext().getState(new ValueStateDescriptor<>("last-lsn", Types.LONG));
    versions = getRuntimeContext().getState(VERSIONS);
    processed = getRuntimeContext().getMetricGroup().counter("changesProcessed");
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
    truncatedDropped = getRuntimeContext().getMetricGroup().counter("truncatedDropped");
    truncateRetractions = getRuntimeContext().getMetricGroup().counter("truncateRetractions");
    getRuntimeContext()
        .getMetricGroup()
        .gauge(
            "watermarkLagMs",
            () -> watermark == Long.MIN_VALUE ? -1L : System.currentTimeMillis() - watermark);
  }

  @Override
  public void processElement(Change change, ReadOnlyContext context, Collector<Long> out)
      throws Exception {
    watermark = context.timerService().currentWatermark();
    TableLayout table = tables.get(change.table);
    Long truncatedAt = context.getBroadcastState(TRUNCATES).get(change.table);
    // A snapshot read without a WAL position (lsn 0) is newer than any truncate before it.
    if (truncatedAt != null && change.lsn != 0 && change.lsn < truncatedAt) {
      truncatedDropped.inc();
      return;
    }
    Long last = lastLsn.value();
    // A declared key need not be unique, and a snapshot gives all its rows one LSN: rows of one
    // snapshot under one such key are all applied.
    boolean sameSnapshot = change.op.equals("r") && !table.primaryKey();
    if (last != null && (change.lsn < last || (change.lsn == last && !sameSnapshot))) {
      duplicates.inc();
      return;
    }
    lastLsn.update(change.lsn);
    processed.inc();
    OutputTag<Row> tag = tags.get(change.table);
    Versions kept = versions.value();
    // The heap state backend may still be writing out the kept object: change a copy.
    Versions now =
        apply(
            table,
            kept == null ? new Versions() : kept.copy(),
            change,
            row -> context.output(tag, row));
    versions.update(now.isEmpty() ? null : now);
    if (!table.heartbeat()) {
      out.collect(change.sourceMillis);
    }
  }

  @Override
  public void processBroadcastElement(Change truncate, Context context, Collector<Long> out)
      throws Exception {
    BroadcastState<Integer, Long> truncates = context.getBroadcastState(TRUNCATES);
    Long newest = truncates.get(truncate.table);
    if (newest == null || truncate.lsn > newest) {
      truncates.put(truncate.table, truncate.lsn);
    }
    TableLayout table = tables.get(truncate.table);
    OutputTag<Row> tag = tags.get(truncate.table);
    String prefix = truncate.table + ":";
    context.applyToKeyedState(
        VERSIONS,
        (key, state) -> {
          Versions kept = state.value();
          if (!key.startsWith(prefix) || kept == null) {
            return;
          }
          int before = kept.size();
          Versions left =
              kept.retractOlderThan(
                  truncate.lsn, image -> context.output(tag, row(table, RowKind.DELETE, image)));
          truncateRetractions.inc(before - left.size());
          state.update(left.isEmpty() ? null : left);
        });
  }

  /**
   * Applies a row change to the versions kept under its key, passing on the changelog rows it
   * stands for: the kept version it replaces is retracted, then the new version added. A table with
   * a primary key keeps at most one version per key; one with a declared, possibly non-unique key
   * keeps each row, and a before-image retracts the kept row equal to it.
   */
  static Versions apply(TableLayout table, Versions kept, Change change, Consumer<Row> out) {
    Object[] replaced = null;
    if (table.primaryKey()) {
      // Whatever the event's before-image says, the analytics hold the kept version.
      replaced = kept.size() == 0 ? null : kept.images.get(kept.size() - 1);
      for (int i = 0; i < kept.size() - 1; i++) {
        out.accept(row(table, RowKind.DELETE, kept.images.get(i)));
      }
      kept = new Versions();
    } else if (change.before != null) {
      replaced = kept.remove(change.before);
    }
    if (replaced != null) {
      out.accept(
          row(table, change.after == null ? RowKind.DELETE : RowKind.UPDATE_BEFORE, replaced));
    }
    if (change.after != null) {
      out.accept(
          row(table, replaced == null ? RowKind.INSERT : RowKind.UPDATE_AFTER, change.after));
      kept.add(change.lsn, change.after);
    }
    return kept;
  }

  static Row row(TableLayout layout, RowKind kind, Object[] values) {
    Row row = new Row(kind, values.length);
    for (int i = 0; i < values.length; i++) {
      row.setField(i, layout.columns().get(i).kind().external(values[i]));
    }
    return row;
  }

  /** The row versions the analytics hold under one key, each with the LSN that wrote it. */
  static final class Versions implements Serializable {
    private static final long serialVersionUID = 1L;

    final ArrayList<Long> lsns = new ArrayList<>();
    final ArrayList<Object[]> images = new ArrayList<>();

    int size() {
      return images.size();
    }

    boolean isEmpty() {
      return images.isEmpty();
    }

    Versions copy() {
      Versions copy = new Versions();
      copy.lsns.addAll(lsns);
      copy.images.addAll(images);
      return copy;
    }

    void add(long lsn, Object[] image) {
      lsns.add(lsn);
      images.add(image);
    }

    /** Removes the kept version equal to an image and returns it, or null when none is. */
    Object[] remove(Object[] image) {
      for (int i = 0; i < images.size(); i++) {
        if (Arrays.deepEquals(images.get(i), image)) {
          lsns.remove(i);
          return images.remove(i);
        }
      }
      return null;
    }

    /** The versions written at or after an LSN; the older ones are passed to {@code retracted}. */
    Versions retractOlderThan(long lsn, Consumer<Object[]> retracted) {
      Versions left = new Versions();
      Iterator<Long> positions = lsns.iterator();
      for (Object[] image : images) {
        long written = positions.next();
        // A snapshot read without a WAL position (lsn 0) was kept before the truncate came.
        if (written < lsn) {
          retracted.accept(image);
        } else {
          left.add(written, image);
        }
      }
      return left;
    }
  }
}
