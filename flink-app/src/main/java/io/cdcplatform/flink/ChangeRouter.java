package io.cdcplatform.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns the decoded changes of each row, keyed by table and row key, into each table's changelog,
 * once each.
 *
 * <p>Debezium delivers at least once: after a Connect crash it sends again changes it had already
 * sent. Each change carries the WAL position (LSN) of its row version, which grows with every
 * change of that row, so a change whose LSN is not above the last one applied for its row is a
 * redelivery and is counted ({@code duplicatesDropped}), not applied twice.
 *
 * <p>The main output carries each applied data change's source commit time, for the latency figures
 * (the heartbeat's are left out); the rows go to one side output per table.
 */
final class ChangeRouter extends KeyedProcessFunction<String, Change, Long> {

  private static final long serialVersionUID = 1L;

  private final List<TableLayout> tables;
  private final List<OutputTag<Row>> tags;

  private transient ValueState<Long> lastLsn;
  private transient Counter processed;
  private transient Counter duplicates;
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
    processed = getRuntimeContext().getMetricGroup().counter("changesProcessed");
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
    getRuntimeContext()
        .getMetricGroup()
        .gauge(
            "watermarkLagMs",
            () -> watermark == Long.MIN_VALUE ? -1L : System.currentTimeMillis() - watermark);
  }

  @Override
  public void processElement(Change change, Context context, Collector<Long> out) throws Exception {
    watermark = context.timerService().currentWatermark();
    TableLayout table = tables.get(change.table);
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
    change.emitRows(table, row -> context.output(tag, row));
    if (!table.heartbeat()) {
      out.collect(change.sourceMillis);
    }
  }
}
