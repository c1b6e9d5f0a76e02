package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChangeDecoderTest {

  private static final String ORDER =
      "{\"id\":7,\"customer_id\":3,\"product_id\":5,\"quantity\":2,\"amount\":\"%s\","
          + "\"status\":\"%s\",\"created_at\":\"2026-11-24T10:15:30.123456Z\","
          + "\"updated_at\":\"2026-11-24T10:16:00Z\"}";

  static final TableLayout ORDERS =
      TestLayouts.layout(
          0,
          "shop.orders",
          List.of(0),
          6,
          "id bigint",
          "customer_id bigint",
          "product_id bigint",
          "quantity integer",
          "amount numeric(12,2)",
          "status text",
          "created_at timestamp with time zone",
          "updated_at timestamp with time zone");
  static final TableLayout PRODUCTS =
      TestLayouts.layout(
          1,
          "shop.products",
          List.of(0),
          -1,
          "id bigint",
          "name text",
          "category text",
          "price numeric(12,2)");
  static final TableLayout CUSTOMERS =
      TestLayouts.layout(
          2, "shop.customers", List.of(0), -1, "id bigint", "name text", "country character(2)");
  static final TableLayout HEARTBEAT =
      TestLayouts.layout(
          3, "shop.heartbeat", List.of(0), 1, "id integer", "beat_at timestamp with time zone");

  private final ChangeDecoder decoder =
      new ChangeDecoder(List.of(ORDERS, PRODUCTS, CUSTOMERS, HEARTBEAT));

  private Change decode(String topic, String value) {
    return decode(decoder, topic, value);
  }

  private static Change decode(ChangeDecoder decoder, String topic, String value) {
    return decoder.decode(
        topic,
        1,
        42,
        1_000L,
        "{\"id\":7}".getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8));
  }

  private static String event(String op, String before, String after) {
    return "{\"before\":%s,\"after\":%s,\"source\":{\"lsn\":900,\"ts_ms\":1764000000000},\"op\":\"%s\"}"
        .formatted(before, after, op);
  }

  @Test
  void aSnapshotReadOfTheHeartbeatCarriesItsReSnapshotMarkerAndNothingElseDoes() {
    String marked = "{\"id\":1,\"beat_at\":\"2026-12-03T10:00:00Z\",\"resnapshot_lsn\":4096}";
    String unmarked = "{\"id\":1,\"beat_at\":\"2026-12-03T10:00:00Z\",\"resnapshot_lsn\":null}";

    assertThat(decode("cdc.shop.heartbeat", event("r", "null", marked)).supersedesBelow)
        .isEqualTo(4096);
    assertThat(decode("cdc.shop.heartbeat", event("r", "null", unmarked)).supersedesBelow).isZero();
    // A streamed heartbeat keeps the column's value, but only the snapshot's read marks anything.
    assertThat(decode("cdc.shop.heartbeat", event("u", marked, marked)).supersedesBelow).isZero();
  }

  @Test
  void anUpdateCarriesBothImagesEachDecodedByItsColumnType() {
    Change change =
        decode(
            "cdc.shop.orders",
            event("u", ORDER.formatted("10.50", "NEW"), ORDER.formatted("12.00", "PAID")));

    assertThat(change.poison()).isFalse();
    assertThat(change.table).isEqualTo(ORDERS.index());
    assertThat(change.key).isEqualTo("1:7|");
    assertThat(change.lsn).isEqualTo(900);
    assertThat(change.sourceMillis).isEqualTo(1764000000000L);
    assertThat(change.eventMillis)
        .isEqualTo(Instant.parse("2026-11-24T10:15:30.123Z").toEpochMilli());
    // Under a primary key only the old row's key is read: the router retracts what it kept.
    assertThat(change.before).containsExactly(7L, null, null, null, null, null, null, null);
    assertThat(change.after[4]).isEqualTo(new BigDecimal("12.00"));
    assertThat(change.after[5]).isEqualTo("PAID");
    Object createdAt = ORDERS.columns().get(6).kind().external(change.after[6]);
    assertThat(createdAt).isEqualTo(Instant.parse("2026-11-24T10:15:30.123456Z"));
  }

  @Test
  void aStreamedChangeNamesItsSourceTransactionAndItsPlaceInIt() {
    String product = "{\"id\":5,\"name\":\"lamp\",\"category\":\"home\",\"price\":\"9.99\"}";
    Change streamed =
        decode(
            "cdc.shop.products",
            "{\"before\":null,\"after\":%s,\"op\":\"c\",\"source\":{\"lsn\":900,".formatted(product)
                + "\"ts_ms\":1,\"snapshot\":\"false\"},\"transaction\":{\"id\":\"812:950\","
                + "\"total_order\":3,\"data_collection_order\":1}}");
    // A change the job cannot apply still counts for its transaction.
    Change refused =
        decode(
            "cdc.shop.products",
            "{\"op\":\"x\",\"source\":{\"lsn\":900,\"ts_ms\":1},"
                + "\"transaction\":{\"id\":\"813:990\",\"total_order\":1}}");
    Change read =
        decode(
            "cdc.shop.products",
            "{\"before\":null,\"after\":%s,\"op\":\"r\",\"source\":{\"ts_ms\":1,".formatted(product)
                + "\"snapshot\":\"last\"},\"transaction\":null}");

    assertThat(streamed.txId).isEqualTo(812);
    assertThat(streamed.txOrder).isEqualTo(3);
    assertThat(streamed.snapshot).isFalse();
    assertThat(refused.poison()).isTrue();
    assertThat(refused.txId).isEqualTo(813);
    assertThat(read.txId).as("a snapshot read belongs to no transaction").isEqualTo(-1);
    assertThat(read.snapshot).isTrue();
  }

  @Test
  void aTransactionEndCountsOnlyTheChangesOfTheTablesTheJobReads() {
    TransactionDecoder ends = new TransactionDecoder(List.of(ORDERS, PRODUCTS));
    TransactionEnd end =
        ends.decode(
            ("{\"status\":\"END\",\"id\":\"812:1234\",\"event_count\":9,\"data_collections\":["
                    + "{\"data_collection\":\"shop.orders\",\"event_count\":5},"
                    + "{\"data_collection\":\"shop.products\",\"event_count\":3},"
                    + "{\"data_collection\":\"public.other\",\"event_count\":1}],"
                    + "\"ts_ms\":1764000000000}")
                .getBytes(StandardCharsets.UTF_8),
            "cdc.transaction/0@4");

    assertThat(end.txId).isEqualTo(812);
    assertThat(end.commitLsn).isEqualTo(1234);
    assertThat(end.changes).isEqualTo(8);
    assertThat(end.commitMillis).isEqualTo(1764000000000L);
    assertThat(
            ends.decode(
                "{\"status\":\"BEGIN\",\"id\":\"812:1000\"}".getBytes(StandardCharsets.UTF_8), "x"))
        .isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ends.decode(
                    "{\"status\":\"END\",\"id\":\"812\"}".getBytes(StandardCharsets.UTF_8), "x"))
        .hasMessage("id '812': expected <txid>:<lsn>");
  }

  @Test
  void dimensionChangesTakeTheirCommitTimeAsEventTime() {
    Change change =
        decode(
            "cdc.shop.products",
            event(
                "d",
                "{\"id\":5,\"name\":\"lamp\",\"category\":\"home\",\"price\":\"9.99\"}",
                "null"));

    assertThat(change.poison()).isFalse();
    assertThat(change.eventMillis).isEqualTo(1764000000000L);
    assertThat(change.after).isNull();
    assertThat(change.before[0]).isEqualTo(5L);
  }

  @Test
  void anOldRowThatCannotBeDecodedDoesNotStopTheRowsLaterChanges() {
    // The insert that wrote amount 'NaN' went to the dead letters; fixing the row must apply.
    Change fixed =
        decode(
            "cdc.shop.orders",
            event("u", ORDER.formatted("NaN", "NEW"), ORDER.formatted("12.00", "NEW")));
    Change deleted = decode("cdc.shop.orders", event("d", ORDER.formatted("NaN", "NEW"), "null"));

    assertThat(fixed.poison()).as(fixed.reason).isFalse();
    assertThat(fixed.after[4]).isEqualTo(new BigDecimal("12.00"));
    assertThat(deleted.poison()).as(deleted.reason).isFalse();
    assertThat(deleted.key).isEqualTo("1:7|");
  }

  @Test
  void underADeclaredKeyTheWholeOldRowIsRead() {
    TableLayout readings =
        TestLayouts.withoutPrimaryKey(
            0, "app.readings", List.of(0), -1, "sensor bigint", "value numeric(6,2)");
    Change change =
        decode(
            new ChangeDecoder(List.of(readings)),
            "cdc.app.readings",
            event("d", "{\"sensor\":3,\"value\":\"NaN\"}", "null"));

    assertThat(change.poison()).isTrue();
    assertThat(change.reason).startsWith("before.value (numeric(6,2)): expected a decimal");
  }

  @Test
  void aTruncateIsAChangeOfItsTableWithNoKeyAndNoRows() {
    Change change =
        decode(
            "cdc.shop.products",
            "{\"before\":null,\"after\":null,\"source\":{\"lsn\":77,\"ts_ms\":5},\"op\":\"t\"}");

    assertThat(change.poison()).isFalse();
    assertThat(change.truncate()).isTrue();
    assertThat(change.table).isEqualTo(PRODUCTS.index());
    assertThat(change.lsn).isEqualTo(77);
    assertThat(change.key).isNull();
    assertThat(change.before).isNull();
    assertThat(change.after).isNull();
  }

  @Test
  void anEventTimeDrivesTheWatermarkAtMostTheAllowedTimeAheadOfItsCommit() {
    Change change = new Change();
    change.sourceMillis = 1_000_000L;
    long minute = 60_000L;

    change.eventMillis = change.sourceMillis + 2 * minute;
    assertThat(change.streamTimestamp(minute)).isEqualTo(change.sourceMillis + minute);
    assertThat(change.eventTimeAhead(minute)).isTrue();

    change.eventMillis = change.sourceMillis - 40L * 365 * 86_400_000L;
    assertThat(change.streamTimestamp(minute)).isEqualTo(change.eventMillis);
    assertThat(change.eventTimeAhead(minute)).isFalse();

    change.eventMillis = change.sourceMillis + minute;
    assertThat(change.streamTimestamp(minute)).isEqualTo(change.eventMillis);
    assertThat(change.eventTimeAhead(minute)).isFalse();

    change.sourceMillis = Long.MAX_VALUE - 10;
    change.eventMillis = Long.MAX_VALUE;
    assertThat(change.streamTimestamp(minute)).isEqualTo(Long.MAX_VALUE);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "cdc.shop.orders | {oops | not JSON",
        "cdc.shop.orders | [1] | expected a JSON object with before, after, source and op",
        "cdc.shop.unknown | {} | topic cdc.shop.unknown is not the change topic of a captured table",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"ts_ms\":1},\"after\":{}} | source.lsn: expected a whole number, got nothing",
        "cdc.shop.products | {\"op\":\"x\",\"source\":{\"lsn\":1,\"ts_ms\":1}} | op 'x': expected one of c, r, u, d, t",
        "cdc.shop.products | {\"op\":\"t\",\"source\":{\"ts_ms\":1}} | source.lsn: expected a whole number, got nothing",
        "cdc.shop.products | {\"op\":\"u\",\"source\":{\"lsn\":88,\"ts_ms\":1},\"oversized\":{\"bytes\":20000000,\"limit\":15728640}} | the change of shop.products at LSN 88 was 20000000 bytes as JSON, above the",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":null} | after: expected the row's columns as an object",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":1,\"name\":\"a\",\"category\":\"b\"}} | after.price: missing (dropped or renamed in shop.products?)",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":null,\"name\":\"a\",\"category\":\"b\",\"price\":\"1\"}} | after.id: null in a column that may not be null",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":\"1\",\"name\":\"a\",\"category\":\"b\",\"price\":\"1\"}} | after.id (bigint): expected a whole number, got \"1\"",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":1,\"name\":\"a\",\"category\":\"b\",\"price\":\"1.234\"}} | after.price (numeric(12,2)): the value 1.234 has more than 2 decimal places, which DECIMAL(12, 2) cannot hold",
        "cdc.shop.heartbeat | {\"op\":\"u\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"before\":{\"id\":1,\"beat_at\":\"x\"},\"after\":{\"id\":1,\"beat_at\":\"x\"}} | after.beat_at (timestamp with time zone): expected an ISO-8601 UTC timestamp, got \"x\"",
        "cdc.shop.heartbeat | {\"op\":\"u\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"before\":{\"id\":1,\"beat_at\":\"2026-01-01T00:00:00Z\"},\"after\":{\"id\":2,\"beat_at\":\"2026-01-01T00:00:00Z\"}} | an update changed the key [id]",
      })
  void undecodableRecordsArePoisonWithTheReasonAndTheirCoordinates(
      String topic, String value, String reason) {
    Change change = decode(topic, value);

    assertThat(change.poison()).isTrue();
    assertThat(change.reason).startsWith(reason).doesNotContain("\n");
    assertThat(change.coordinates()).isEqualTo(topic + "/1@42");
    assertThat(change.rawValue).isEqualTo(value);
    assertThat(change.rawKey).isEqualTo("{\"id\":7}");
  }

  @Test
  void snapshotReadsMayComeWithoutAWalPosition() {
    Change change =
        decode(
            "cdc.shop.customers",
            "{\"op\":\"r\",\"source\":{\"ts_ms\":5},\"after\":{\"id\":1,\"name\":\"a\",\"country\":\"PT\"}}");

    assertThat(change.poison()).isFalse();
    assertThat(change.lsn).isZero();
  }
}
