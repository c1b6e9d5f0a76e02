package io.cdcplatform.flink;

import java.util.EnumMap;
import java.util.Map;
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
 * Turns the decoded changes of each row, keyed by table and primary key, into each table's
 * changelog, once each.
 *
 * <p>Debezium delivers at least once: after a Connect crash it sends again changes it had already
 * sent. Each change carries the WAL position (LSN) of its row version, which grows with every
 * change of that row, so a change whose LSN is not above the last one applied for its row is a
 * redelivery and is counted ({@code duplicatesDropped}), not applied twice.
 *
 * <p>The main output carries each applied data change's source commit time, for the latency
 * figures; the rows go to one side output per table.
 */
final class ChangeRouter extends KeyedProcessFunction<String, Change, Long> {

  private static final long serialVersionUID = 1L;

  private static final Map<ShopTable, OutputTag<Row>> TAGS = new EnumMap<>(ShopTable.class);

  static {
    for (ShopTable table : ShopTable.values()) {
      TAGS.put(table, new OutputTag<>(table.table(), table.rowType()));
    }
  }

  static OutputTag<Row> rows(ShopTable table) {
    return TAGS.get(table);
  }

  static String key(Change change) {
    return change.table.ordinal() + ":" + change.key;
  }

  private transient ValueState<Long> lastLsn;
  private transient Counter processed;
  private transient Counter duplicates;
  private transient volatile long watermark = Long.MIN_VALUE;

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
    Long last = lastLsn.value();
    if (last != null && change.lsn <= last) {
      duplicates.inc();
      return;
    }
    lastLsn.update(change.lsn);
    processed.inc();
    OutputTag<Row> tag = TAGS.get(change.table);
    change.emitRows(row -> context.output(tag, row));
    if (change.table != ShopTable.HEARTBEAT) {
      out.collect(change.sourceMillis);
    }
  }
}
