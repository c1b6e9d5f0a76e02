package io.cdcplatform.flink;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * Marks each (category, minute) result of the revenue aggregate as open or closed, by event time.
 *
 * <p>A minute's window closes once the watermark passes the minute's end plus the allowed lateness:
 * a timer then emits the row again with {@code window_closed = true}. The aggregate stays exact, so
 * a change that reaches a closed window (a late order, or a product or order moved afterwards) is
 * still applied; it is counted as a correction on the row ({@code late_corrections}) and in the
 * {@code lateCorrections} metric, never dropped.
 *
 * <p>Input: the aggregate's changelog (category, minute_start, order_count, revenue). Output: an
 * upsert changelog with the two extra columns.
 */
final class WindowMarker extends KeyedProcessFunction<String, Row, Row> {

  private static final long serialVersionUID = 1L;

  static final TypeInformation<Row> TYPE =
      Types.ROW_NAMED(
          new String[] {
            "category",
            "minute_start",
            "order_count",
            "revenue",
            "window_closed",
            "late_corrections"
          },
          Types.STRING,
          Types.LOCAL_DATE_TIME,
          Types.LONG,
          Types.BIG_DEC,
          Types.BOOLEAN,
          Types.LONG);

  static final Schema SCHEMA =
      Schema.newBuilder()
          .column("category", DataTypes.STRING().notNull())
          .column("minute_start", DataTypes.TIMESTAMP(3).notNull())
          .column("order_count", DataTypes.BIGINT())
          .column("revenue", DataTypes.DECIMAL(38, 2))
          .column("window_closed", DataTypes.BOOLEAN())
          .column("late_corrections", DataTypes.BIGINT())
          .primaryKey("category", "minute_start")
          .build();

  static String key(Row row) {
    return row.getField(0) + "|" + row.getField(1);
  }

  /** When the window of a minute (UTC wall time) closes, in epoch milliseconds of event time. */
  static long closesAt(LocalDateTime minuteStart, Duration allowedLateness) {
    return minuteStart.toInstant(ZoneOffset.UTC).toEpochMilli()
        + Duration.ofMinutes(1).toMillis()
        + allowedLateness.toMillis();
  }

  private final Duration allowedLateness;
  private transient ValueState<Row> latest;
  private transient ValueState<Boolean> closed;
  private transient ValueState<Long> corrections;
  private transient Counter lateCorrections;

  WindowMarker(Duration allowedLateness) {
    this.allowedLateness = allowedLateness;
  }

  @Override
  public void open(OpenContext openContext) {
    latest =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "latest",
                    Types.ROW(Types.STRING, Types.LOCAL_DATE_TIME, Types.LONG, Types.BIG_DEC)));
    closed = getRuntimeContext().getState(new ValueStateDescriptor<>("closed", Types.BOOLEAN));
    corrections =
        getRuntimeContext().getState(new ValueStateDescriptor<>("corrections", Types.LONG));
    lateCorrections = getRuntimeContext().getMetricGroup().counter("lateCorrections");
  }

  @Override
  public void processElement(Row change, Context context, Collector<Row> out) throws Exception {
    if (change.getKind() == RowKind.UPDATE_BEFORE) {
      return; // the UPDATE_AFTER that follows replaces it
    }
    long closesAt = closesAt((LocalDateTime) change.getField(1), allowedLateness);
    boolean isClosed =
        Boolean.TRUE.equals(closed.value())
            || context.timerService().currentWatermark() >= closesAt;
    long corrected = corrections.value() == null ? 0 : corrections.value();
    if (isClosed) {
      closed.update(true);
      corrections.update(++corrected);
      lateCorrections.inc();
    } else {
      context.timerService().registerEventTimeTimer(closesAt);
    }
    if (change.getKind() == RowKind.DELETE) {
      latest.clear();
      out.collect(marked(RowKind.DELETE, change, isClosed, corrected));
    } else {
      Row values =
          Row.of(change.getField(0), change.getField(1), change.getField(2), change.getField(3));
      latest.update(values);
      out.collect(marked(RowKind.UPDATE_AFTER, values, isClosed, corrected));
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
      long corrected = corrections.value() == null ? 0 : corrections.value();
      out.collect(marked(RowKind.UPDATE_AFTER, values, true, corrected));
    }
  }

  private static Row marked(RowKind kind, Row values, boolean closed, long corrections) {
    return Row.ofKind(
        kind,
        values.getField(0),
        values.getField(1),
        values.getField(2),
        values.getField(3),
        closed,
        corrections);
  }
}
