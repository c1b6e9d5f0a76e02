package io.cdcplatform.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
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
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.types.StringValue;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Turns the decoded changes of each row, keyed by table and row key, into each table's changelog,
 * once each, and applies the truncates of a table to every row of it.
 *
 * <p>Debezium delivers at least once: after a Connect crash it sends again changes it had already
 * sent. Each change carries the WAL position (LSN) of its row version, which grows with every
 * change of that row, so a change whose LSN is not above the last one applied for its row is a
 * redelivery and is counted ({@code duplicatesDropped}), not applied twice. Snapshot reads are
 * ordered among themselves by their snapshot's position, and streamed changes among themselves: a
 * row's read always reaches the router before the row's later streamed changes (one partition), but
 * those can carry lower LSNs than the snapshot's.
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

  /**
   * Each key's {@link Versions}, encoded by {@link Versions#encode}: the heap state backend writes
   * every key's state at every checkpoint, and a byte array is written as it is, where the generic
   * serializer spent a sixth of the job's time on the lists (docs/benchmarks.md).
   */
  private static final ValueStateDescriptor<byte[]> VERSIONS =
      new ValueStateDescriptor<>(
          "row-versions", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  private final List<TableLayout> tables;
  private final List<OutputTag<Row>> tags;

  private transient ValueState<Long> lastLsn;
  private transient ValueState<Long> lastRead;
  private transient ValueState<byte[]> versions;
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
    lastRead = getRuntimeContext().getState(new ValueStateDescriptor<>("last-read", Types.LONG));
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
    if (change.op.equals("r")
        ? !firstRead(table, change)
        : heldByItsRead(change) || !firstStreamed(change)) {
      duplicates.inc();
      return;
    }
    processed.inc();
    OutputTag<Row> tag = tags.get(change.table);
    byte[] kept = versions.value();
    Versions now =
        apply(
            table,
            kept == null ? new Versions() : Versions.decode(kept),
            change,
            row -> context.output(tag, row));
    versions.update(now.isEmpty() ? null : now.encode());
    if (!table.heartbeat()) {
      out.collect(change.sourceMillis);
    }
  }

  /**
   * Whether a snapshot read is applied: it is, unless this key already had a read of the same
   * snapshot or a later one. A snapshot's reads all carry its position (the new slot's consistent
   * point). A declared key need not be unique, and rows of one snapshot under such a key are all
   * applied.
   */
  private boolean firstRead(TableLayout table, Change change) throws IOException {
    Long last = lastRead.value();
    if (last != null && (change.lsn < last || (change.lsn == last && table.primaryKey()))) {
      return false;
    }
    lastRead.update(change.lsn);
    return true;
  }

  /**
   * Whether a streamed change is already in the snapshot read applied under its key: its
   * transaction committed before that snapshot's position. Snapshot reads go past the transactions
   * the sequencer still holds, so a read can come before an older change of its row, which must not
   * then replace it (on a replay of the change topics through a re-snapshot, say). A change whose
   * commit is unknown (0) is not judged so.
   */
  private boolean heldByItsRead(Change change) throws IOException {
    Long read = lastRead.value();
    return change.commitLsn != 0 && read != null && change.commitLsn < read;
  }

  /**
   * Whether a streamed change is applied: it is, unless its LSN is not above the newest streamed
   * change applied under its key. Reads are left out of that comparison on purpose: a transaction
   * that committed after a snapshot's consistent point is streamed whole, and its changes can have
   * LSNs below that point (it began before it), yet they are newer than the snapshot's rows.
   */
  private boolean firstStreamed(Change change) throws IOException {
    Long last = lastLsn.value();
    if (last != null && change.lsn <= last) {
      return false;
    }
    lastLsn.update(change.lsn);
    return true;
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
          byte[] encoded = state.value();
          if (!key.startsWith(prefix) || encoded == null) {
            return;
          }
          Versions kept = Versions.decode(encoded);
          int before = kept.size();
          Versions left =
              kept.retractOlderThan(
                  truncate.lsn, image -> context.output(tag, row(table, RowKind.DELETE, image)));
          truncateRetractions.inc(before - left.size());
          state.update(left.isEmpty() ? null : left.encode());
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
  static final class Versions {

    final ArrayList<Long> lsns = new ArrayList<>();
    final ArrayList<Object[]> images = new ArrayList<>();

    int size() {
      return images.size();
    }

    boolean isEmpty() {
      return images.isEmpty();
    }

    /**
     * The versions as bytes: their count, then per version its LSN and its image. Each value is a
     * tag and its bytes, for exactly the classes the decoder keeps ({@link ColumnKind#decode}), so
     * a value comes back equal to the one stored, scale of a decimal and bits of a double included.
     */
    byte[] encode() {
      DataOutputSerializer out = new DataOutputSerializer(64);
      try {
        out.writeInt(images.size());
        for (int i = 0; i < images.size(); i++) {
          out.writeLong(lsns.get(i));
          Object[] image = images.get(i);
          out.writeInt(image.length);
          for (Object value : image) {
            writeValue(out, value);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.getCopyOfBuffer();
    }

    static Versions decode(byte[] bytes) {
      DataInputDeserializer in = new DataInputDeserializer(bytes);
      Versions versions = new Versions();
      try {
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
          long lsn = in.readLong();
          Object[] image = new Object[in.readInt()];
          for (int j = 0; j < image.length; j++) {
            image[j] = readValue(in);
          }
          versions.add(lsn, image);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return versions;
    }

    private static void writeValue(DataOutputSerializer out, Object value) throws IOException {
      if (value == null) {
        out.writeByte(0);
      } else if (value instanceof Long whole) {
        out.writeByte(1);
        out.writeLong(whole);
      } else if (value instanceof Integer days) {
        out.writeByte(2);
        out.writeInt(days);
      } else if (value instanceof Double floating) {
        out.writeByte(3);
        out.writeLong(Double.doubleToRawLongBits(floating));
      } else if (value instanceof Boolean truth) {
        out.writeByte(4);
        out.writeBoolean(truth);
      } else if (value instanceof String text) {
        out.writeByte(5);
        StringValue.writeString(text, out);
      } else if (value instanceof BigDecimal decimal) {
        out.writeByte(6);
        out.writeInt(decimal.scale());
        byte[] unscaled = decimal.unscaledValue().toByteArray();
        out.writeInt(unscaled.length);
        out.write(unscaled);
      } else if (value instanceof byte[] bytes) {
        out.writeByte(7);
        out.writeInt(bytes.length);
        out.write(bytes);
      } else {
        throw new IllegalStateException(
            "a row version holds a " + value.getClass().getName() + ", which it cannot store");
      }
    }

    private static Object readValue(DataInputDeserializer in) throws IOException {
      byte tag = in.readByte();
      switch (tag) {
        case 0:
          return null;
        case 1:
          return in.readLong();
        case 2:
          return in.readInt();
        case 3:
          return Double.longBitsToDouble(in.readLong());
        case 4:
          return in.readBoolean();
        case 5:
          return StringValue.readString(in);
        case 6:
          {
            int scale = in.readInt();
            byte[] unscaled = new byte[in.readInt()];
            in.readFully(unscaled);
            return new BigDecimal(new BigInteger(unscaled), scale);
          }
        case 7:
          {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            return bytes;
          }
        default:
          throw new IllegalStateException("a row version has an unknown value tag " + tag);
      }
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
