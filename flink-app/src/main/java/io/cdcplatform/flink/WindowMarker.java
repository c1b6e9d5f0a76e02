package io.cdcplatform.flink;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * Marks each group of a windowed analytic as open or closed, by event time.
 *
 * <p>A group's window closes once the watermark passes the window's start (a key column of the
 * result) plus its size plus the allowed lateness: a timer then emits the row again with {@code
 * window_closed = true}. The aggregate stays exact, so a change that reaches a closed window (a
 * late row, or one moved afterwards) is still applied; each update of the result after the close is
 * counted on the row ({@code late_updates}) and in the {@code lateUpdates} metric. That is the
 * aggregate's updates, not the source's changes: a source update arrives as a retraction and an
 * addition, and counts two.
 *
 * <p>Input: the analytic's changelog. Output: an upsert changelog of the same rows with the two
 * extra columns.
 */
final class WindowMarker extends KeyedProcessFunction<String, Row, Row> {

  private static final long serialVersionUID = 1L;

  private final List<Integer> key;
  private final int windowColumn;
  private final Duration size;
  private final Duration allowedLateness;
  private final TypeInformation<Row> resultType;
  private transient ValueState<Row> latest;
  private transient ValueState<Boolean> closed;
  private transient ValueState<Long> lateUpdateCount;
  private transient Counter lateUpdates;

  /**
   * @param key positions of the result's key columns
   * @param windowColumn position of the window's start among the result's columns
   * @param resultType the type of the analytic's result rows, for the state
   */
  WindowMarker(
      List<Integer> key,
      int windowColumn,
      Duration size,
      Duration allowedLateness,
      TypeInformation<Row> resultType) {
    this.key = List.copyOf(key);
    this.windowColumn = windowColumn;
    this.size = size;
    this.allowedLateness = allowedLateness;
    this.resultType = resultType;
  }

  /** The group a result row belongs to. */
  static String key(List<Integer> key, Row row) {
    return KeyText.of(key, row::getField);
  }

  String key(Row row) {
    return key(key, row);
  }

  /** When a window that starts at this value closes, in epoch milliseconds of event time. */
  static long closesAt(Object start, Duration size, Duration allowedLateness) {
    long startMillis;
    if (start instanceof LocalDateTime) {
      startMillis = ((LocalDateTime) start).toInstant(ZoneOffset.UTC).toEpochMilli();
    } else if (start instanceof Instant) {
      startMillis = ((Instant) start).toEpochMilli();
    } else if (start instanceof LocalDate) {
      startMillis = ((LocalDate) start).toEpochDay() * 86_400_000L;
    } else {
      throw new IllegalArgumentException("a window start must be a date or timestamp: " + start);
    }
    return startMillis + size.toMillis() + allowedLateness.toMillis();
  }

  @Override
  public void open(OpenContext openContext) {
    latest = getRuntimeContext().getState(new ValueStateDescriptor<>("latest", resultType));
    closed = getRuntimeContext().getState(new ValueStateDescriptor<>("closed", Types.BOOLEAN));
    lateUpdateCount =
        getRuntimeContext().getState(new ValueStateDescriptor<>("corrections", Types.LONG));
    lateUpdates = getRuntimeContext().getMetricGroup().counter("lateUpdates");
  }

  @Override
  public void processElement(Row change, Context context, Collector<Row> out) throws Exception {
    if (change.getKind() == RowKind.UPDATE_BEFORE) {
      return; // the UPDATE_AFTER that follows replaces it
    }
    long closesAt = closesAt(change.getField(windowColumn), size, allowedLateness);
    boolean isClosed =
        Boolean.TRUE.equals(closed.value())
            || context.timerService().currentWatermark() >= closesAt;
    long updated = lateUpdateCount.value() == null ? 0 : lateUpdateCount.value();
    if (isClosed) {
      closed.update(true);
      lateUpdateCount.update(++updated);
      lateUpdates.inc();
    } else {
      context.timerService().registerEventTimeTimer(closesAt);
    }
    Row values = Row.copy(change);
    values.setKind(RowKind.INSERT);
    if (change.getKind() == RowKind.DELETE) {
      latest.clear();
      out.collect(marked(RowKind.DELETE, values, isClosed, updated));
    } else {
      latest.update(values);
      out.collect(marked(RowKind.UPDATE_AFTER, values, isClosed, updated));
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext context, Collector<Row> out) throws Exception {
    if (Boolean.TRUE.equals(closed.value())) {
      return;
    }
    closed.update(true);
    Row values = latest.value();
    if (values != null) {
      long updated = lateUpdateCount.value() == null ? 0 : lateUpdateCount.value();
      out.collect(marked(RowKind.UPDATE_AFTER, values, true, updated));
    }
  }

  private static Row marked(RowKind kind, Row values, boolean closed, long lateUpdateCount) {
    Row row = new Row(kind, values.getArity() + 2);
    for (int i = 0; i < values.getArity(); i++) {
      row.setField(i, values.getField(i));
    }
    row.setField(values.getArity(), closed);
    row.setField(values.getArity() + 1, lateUpdateCount);
    return row;
  }
}
