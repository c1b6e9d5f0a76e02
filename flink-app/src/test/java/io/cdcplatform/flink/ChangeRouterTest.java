package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router, event by event: what it passes on per table, and how a truncate applies. */
class ChangeRouterTest {

  private static final TableLayout ITEMS =
      TestLayouts.layout(0, "app.items", List.of(0), -1, "id bigint", "label text");

  /** Readings share a sensor id: the declared key is not unique. */
  private static final TableLayout READINGS =
      TestLayouts.withoutPrimaryKey(
          1, "app.readings", List.of(0), -1, "sensor bigint", "value bigint");

  private KeyedBroadcastOperatorTestHarness<String, Change, Change, Long> harness;

  @BeforeEach
  void open() throws Exception {
    harness =
        ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
            new ChangeRouter(List.of(ITEMS, READINGS)),
            ChangeRouter::key,
            Types.STRING,
            ChangeRouter.TRUNCATES);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void theKeptVersionIsRetractedAndRedeliveriesAreDropped() throws Exception {
    change(ITEMS, "c", 10, null, row(1, "a"));
    change(ITEMS, "u", 20, row(1, "a"), row(1, "b"));
    change(ITEMS, "u", 20, row(1, "a"), row(1, "b"));
    change(ITEMS, "d", 30, row(1, "b"), null);

    assertThat(rows(ITEMS)).containsExactly("+I[1, a]", "-U[1, a]", "+U[1, b]", "-D[1, b]");
    assertThat(harness.extractOutputValues()).hasSize(3);
  }

  @Test
  void aTruncateRetractsEveryRowOfItsTableCommittedBeforeIt() throws Exception {
    change(ITEMS, "c", 10, null, row(1, "a"));
    change(ITEMS, "c", 11, null, row(2, "b"));
    change(READINGS, "c", 12, null, row(7, 70));
    truncate(ITEMS, 20);
    change(ITEMS, "c", 21, null, row(1, "again"));

    assertThat(net(ITEMS)).containsExactly("+I[1, again]");
    assertThat(net(READINGS)).containsExactly("+I[7, 70]");
  }

  @Test
  void aChangeCommittedBeforeATruncateButArrivingAfterItIsDropped() throws Exception {
    change(ITEMS, "c", 10, null, row(1, "a"));
    truncate(ITEMS, 20);
    // Another partition was behind: these were committed before the truncate.
    change(ITEMS, "u", 15, row(1, "a"), row(1, "late"));
    change(ITEMS, "c", 16, null, row(2, "late"));

    assertThat(net(ITEMS)).isEmpty();
  }

  @Test
  void changesCommittedAfterATruncateThatArriveBeforeItSurviveIt() throws Exception {
    // TRUNCATE inside a transaction: insert 1, truncate, insert 1 and 2 again, all in one commit.
    change(ITEMS, "c", 10, null, row(1, "before"));
    change(ITEMS, "c", 30, null, row(1, "after"));
    change(ITEMS, "c", 31, null, row(2, "after"));
    truncate(ITEMS, 20);
    truncate(ITEMS, 20);

    assertThat(net(ITEMS)).containsExactlyInAnyOrder("+I[1, after]", "+I[2, after]");
  }

  @Test
  void rowsSharingADeclaredKeyAreEachKeptRetractedAndTruncated() throws Exception {
    // One snapshot gives both identical rows the same LSN; both are applied.
    change(READINGS, "r", 5, null, row(7, 70));
    change(READINGS, "r", 5, null, row(7, 70));
    change(READINGS, "c", 6, null, row(7, 71));
    change(READINGS, "d", 8, row(7, 70), null);
    assertThat(net(READINGS)).containsExactlyInAnyOrder("+I[7, 70]", "+I[7, 71]");

    change(READINGS, "c", 40, null, row(7, 72));
    truncate(READINGS, 30);

    assertThat(net(READINGS)).containsExactly("+I[7, 72]");
  }

  @Test
  void aTransactionCommittedAfterTheSnapshotPointIsAppliedThoughItsLsnsAreBelowIt()
      throws Exception {
    // The snapshot reads row 1 at its consistent point, 100. A transaction that began before that
    // point (its change at LSN 90) committed after it: PostgreSQL streams it whole, after the read.
    change(ITEMS, "r", 100, null, row(1, "snapshot"));
    change(ITEMS, "u", 90, row(1, "snapshot"), row(1, "committed later"));
    change(ITEMS, "u", 90, row(1, "snapshot"), row(1, "committed later"));
    // A redelivered read of the same snapshot is not applied twice either.
    change(ITEMS, "r", 100, null, row(1, "snapshot"));

    assertThat(net(ITEMS)).containsExactly("+I[1, committed later]");
  }

  @Test
  void aLaterSnapshotReplacesWhatTheRowsStreamedChangesLeft() throws Exception {
    change(ITEMS, "c", 10, null, row(1, "streamed"));
    change(ITEMS, "u", 20, row(1, "streamed"), row(1, "streamed again"));
    change(ITEMS, "r", 500, null, row(1, "snapshot"));
    change(ITEMS, "u", 501, row(1, "snapshot"), row(1, "after the snapshot"));

    assertThat(net(ITEMS)).containsExactly("+I[1, after the snapshot]");
  }

  /**
   * A snapshot read passes the transactions the sequencer still holds, so an older change of the
   * row may come after it (a replay through a re-snapshot): a change whose transaction committed
   * before the snapshot is in the read already and is dropped; one committed after it is applied.
   */
  @Test
  void aChangeCommittedBeforeTheSnapshotThatReadItsRowIsNotAppliedOverTheRead() throws Exception {
    change(ITEMS, "r", 1000, null, row(1, "snapshot"));
    streamed(ITEMS, 900, 950, row(1, "old"), row(1, "older than the snapshot"));

    assertThat(net(ITEMS)).containsExactly("+I[1, snapshot]");

    streamed(ITEMS, 990, 1010, row(1, "snapshot"), row(1, "after the snapshot"));

    assertThat(net(ITEMS)).containsExactly("+I[1, after the snapshot]");
  }

  /**
   * After the slot lost WAL, a new snapshot's heartbeat read marks the position below which every
   * row version is superseded: rows deleted while nothing was captured leave the tables, changes of
   * the lost slot still on their way are dropped, and the snapshot's rows and what the new slot
   * streams stay.
   */
  @Test
  void aReSnapshotMarkerRetractsWhatTheLostSlotSentAndKeepsTheNewSnapshot() throws Exception {
    TableLayout heartbeat =
        TestLayouts.layout(
            2, "app.heartbeat", List.of(0), -1, "id integer", "beat_at timestamp with time zone");
    change(ITEMS, "c", 10, null, row(1, "kept by the lost slot"));
    change(ITEMS, "c", 11, null, row(2, "deleted while nothing was captured"));
    change(READINGS, "c", 12, null, row(7, 70));
    // The new snapshot (consistent point 1000) reads row 1 before the marker is seen.
    change(ITEMS, "r", 1000, null, row(1, "snapshot"));

    Change marker = new Change();
    marker.table = heartbeat.index();
    marker.op = "r";
    marker.lsn = 1000;
    marker.supersedesBelow = 500;
    try (var letters =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new DeadLetters(60_000, List.of(ITEMS, READINGS, heartbeat)))) {
      letters.processElement(marker, 1000);
      assertThat(letters.getSideOutput(DeadLetters.TRUNCATES))
          .extracting(r -> r.getValue().table + "@" + r.getValue().lsn)
          .containsExactly("0@500", "1@500");
      for (StreamRecord<Change> truncate : letters.getSideOutput(DeadLetters.TRUNCATES)) {
        harness.processBroadcastElement(truncate);
      }
    }
    // A change the lost slot sent, from a partition that was behind.
    change(ITEMS, "u", 12, row(2, "x"), row(2, "late from the lost slot"));
    change(READINGS, "r", 1000, null, row(7, 71));
    // A transaction the new slot streams, begun before its consistent point.
    change(ITEMS, "c", 990, null, row(3, "streamed by the new slot"));

    assertThat(net(ITEMS))
        .containsExactlyInAnyOrder("+I[1, snapshot]", "+I[3, streamed by the new slot]");
    assertThat(net(READINGS)).containsExactly("+I[7, 71]");
  }

  private void change(TableLayout table, String op, long lsn, Object[] before, Object[] after)
      throws Exception {
    harness.processElement(new StreamRecord<>(decoded(table, op, lsn, before, after), lsn));
  }

  /** An update of a transaction committed at {@code commitLsn}, as the sequencer passes it on. */
  private void streamed(
      TableLayout table, long lsn, long commitLsn, Object[] before, Object[] after)
      throws Exception {
    Change change = decoded(table, "u", lsn, before, after);
    change.commitLsn = commitLsn;
    harness.processElement(new StreamRecord<>(change, lsn));
  }

  private static Change decoded(
      TableLayout table, String op, long lsn, Object[] before, Object[] after) {
    Change change = new Change();
    change.table = table.index();
    change.op = op;
    change.lsn = lsn;
    change.sourceMillis = lsn;
    change.before = before;
    change.after = after;
    change.key = ChangeDecoder.key(table, after != null ? after : before);
    return change;
  }

  private void truncate(TableLayout table, long lsn) throws Exception {
    Change change = new Change();
    change.table = table.index();
    change.op = "t";
    change.lsn = lsn;
    harness.processBroadcastElement(new StreamRecord<>(change, lsn));
    harness.processWatermark(new Watermark(lsn));
  }

  private static Object[] row(Object... values) {
    Object[] row = values.clone();
    for (int i = 0; i < row.length; i++) {
      if (row[i] instanceof Integer number) {
        row[i] = number.longValue();
      }
    }
    return row;
  }

  /** The rows passed on for a table, in order. */
  private List<String> rows(TableLayout table) {
    List<String> rows = new ArrayList<>();
    for (StreamRecord<Row> record : harness.getSideOutput(ChangeRouter.tag(table))) {
      rows.add(record.getValue().toString());
    }
    return rows;
  }

  /** The rows the table's changelog leaves standing, as inserts. */
  private List<String> net(TableLayout table) {
    List<Row> standing = new ArrayList<>();
    for (StreamRecord<Row> record : harness.getSideOutput(ChangeRouter.tag(table))) {
      Row row = record.getValue();
      RowKind kind = row.getKind();
      Row plain = Row.copy(row);
      plain.setKind(RowKind.INSERT);
      if (kind == RowKind.INSERT || kind == RowKind.UPDATE_AFTER) {
        standing.add(plain);
      } else {
        assertThat(standing.remove(plain)).as("retracted row was standing: " + row).isTrue();
      }
    }
    return standing.stream().map(Row::toString).toList();
  }

  /**
   * The kept versions are stored as bytes: every class the decoder keeps comes back equal, scale of
   * a decimal and bits of a double included, and a class it never keeps is refused by name.
   */
  @Test
  void keptVersionsComeBackFromTheirBytesEqualToWhatWasKept() {
    ChangeRouter.Versions versions = new ChangeRouter.Versions();
    versions.add(
        42L,
        new Object[] {
          Long.MIN_VALUE,
          Long.MAX_VALUE,
          -1,
          Integer.MAX_VALUE,
          Double.NaN,
          -0.0d,
          Double.NEGATIVE_INFINITY,
          Double.MIN_VALUE,
          true,
          false,
          "",
          "naïve ✓ 𝄞",
          null,
          new java.math.BigDecimal("12.30"),
          new java.math.BigDecimal("-0.000"),
          new java.math.BigDecimal("123456789012345678901234567890.123456789"),
          new byte[0],
          new byte[] {0, -1, 127, -128}
        });
    versions.add(0L, new Object[] {});
    versions.add(-7L, new Object[] {null, null});

    ChangeRouter.Versions back = ChangeRouter.Versions.decode(versions.encode());

    assertThat(back.size()).isEqualTo(3);
    assertThat(back.lsns).containsExactly(42L, 0L, -7L);
    for (int i = 0; i < versions.size(); i++) {
      assertThat(java.util.Arrays.deepEquals(back.images.get(i), versions.images.get(i)))
          .as(java.util.Arrays.deepToString(back.images.get(i)))
          .isTrue();
    }
    assertThat(((java.math.BigDecimal) back.images.get(0)[13]).scale()).isEqualTo(2);
    assertThat(Double.doubleToRawLongBits((Double) back.images.get(0)[5]))
        .isEqualTo(Double.doubleToRawLongBits(-0.0d));

    ChangeRouter.Versions odd = new ChangeRouter.Versions();
    odd.add(1L, new Object[] {java.time.LocalDate.EPOCH});
    org.assertj.core.api.Assertions.assertThatThrownBy(odd::encode)
        .hasMessage("a row version holds a java.time.LocalDate, which it cannot store");
  }
}
