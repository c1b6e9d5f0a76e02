package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChangeDecoderTest {

  private static final String ORDER =
      "{\"id\":7,\"customer_id\":3,\"product_id\":5,\"quantity\":2,\"amount\":\"%s\","
          + "\"status\":\"%s\",\"created_at\":\"2026-11-24T10:15:30.123456Z\","
          + "\"updated_at\":\"2026-11-24T10:16:00Z\"}";

  private final ChangeDecoder decoder = new ChangeDecoder("cdc");

  private Change decode(String topic, String value) {
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
  void anUpdateBecomesARetractionOfTheOldRowAndTheNewRow() {
    Change change =
        decode(
            "cdc.shop.orders",
            event("u", ORDER.formatted("10.50", "NEW"), ORDER.formatted("12.00", "PAID")));

    assertThat(change.poison()).isFalse();
    assertThat(change.table).isEqualTo(ShopTable.ORDERS);
    assertThat(change.key).isEqualTo(7);
    assertThat(change.lsn).isEqualTo(900);
    assertThat(change.sourceMillis).isEqualTo(1764000000000L);
    assertThat(change.eventMillis)
        .isEqualTo(Instant.parse("2026-11-24T10:15:30.123Z").toEpochMilli());
    List<Row> rows = new ArrayList<>();
    change.emitRows(rows::add);
    assertThat(rows)
        .extracting(Row::getKind)
        .containsExactly(RowKind.UPDATE_BEFORE, RowKind.UPDATE_AFTER);
    assertThat(rows.get(0).getField(4)).isEqualTo(new BigDecimal("10.50"));
    assertThat(rows.get(1).getField(4)).isEqualTo(new BigDecimal("12.00"));
    assertThat(rows.get(1).getField(5)).isEqualTo("PAID");
    assertThat(rows.get(1).getField(6)).isEqualTo(Instant.parse("2026-11-24T10:15:30.123456Z"));
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
    List<Row> rows = new ArrayList<>();
    change.emitRows(rows::add);
    assertThat(rows)
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row.getKind()).isEqualTo(RowKind.DELETE);
              assertThat(row.getField(2)).isEqualTo("home");
            });
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "cdc.shop.orders | {oops | not JSON",
        "cdc.shop.orders | [1] | expected a JSON object with before, after, source and op",
        "cdc.shop.unknown | {} | topic cdc.shop.unknown is not a change topic of a shop table",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"ts_ms\":1},\"after\":{}} | source.lsn: expected a whole number, got nothing",
        "cdc.shop.products | {\"op\":\"x\",\"source\":{\"lsn\":1,\"ts_ms\":1}} | op 'x': expected one of c, r, u, d",
        "cdc.shop.products | {\"op\":\"t\",\"source\":{\"lsn\":1,\"ts_ms\":1}} | truncate of shop.products cannot be applied row by row",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":null} | after: expected the row's columns as an object",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":1,\"name\":\"a\",\"category\":\"b\"}} | after.price: missing",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":null,\"name\":\"a\",\"category\":\"b\",\"price\":\"1\"}} | after.id: the primary key may not be null",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":\"1\",\"name\":\"a\",\"category\":\"b\",\"price\":\"1\"}} | after.id: expected a whole number, got \"1\"",
        "cdc.shop.products | {\"op\":\"c\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"after\":{\"id\":1,\"name\":\"a\",\"category\":\"b\",\"price\":\"1.234\"}} | after.price: expected a decimal(12, 2), got \"1.234\"",
        "cdc.shop.heartbeat | {\"op\":\"u\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"before\":{\"id\":1,\"beat_at\":\"x\"},\"after\":{\"id\":1,\"beat_at\":\"x\"}} | before.beat_at: expected an ISO-8601 UTC timestamp, got \"x\"",
        "cdc.shop.heartbeat | {\"op\":\"u\",\"source\":{\"lsn\":1,\"ts_ms\":1},\"before\":{\"id\":1,\"beat_at\":null},\"after\":{\"id\":2,\"beat_at\":null}} | an update changed the primary key",
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
