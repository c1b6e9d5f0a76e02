package io.cdcplatform.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guard on a Debezium-shaped change record: small ones untouched, large ones replaced. */
class OversizedChangesTest {

  private static final Schema ROW =
      SchemaBuilder.struct()
          .optional()
          .field("id", Schema.INT64_SCHEMA)
          .field("note", Schema.OPTIONAL_STRING_SCHEMA)
          .build();
  private static final Schema SOURCE =
      SchemaBuilder.struct()
          .field("table", Schema.STRING_SCHEMA)
          .field("lsn", Schema.INT64_SCHEMA)
          .build();
  private static final Schema TRANSACTION =
      SchemaBuilder.struct()
          .optional()
          .field("id", Schema.STRING_SCHEMA)
          .field("total_order", Schema.INT64_SCHEMA)
          .field("data_collection_order", Schema.INT64_SCHEMA)
          .build();
  private static final Schema ENVELOPE =
      SchemaBuilder.struct()
          .field("before", ROW)
          .field("after", ROW)
          .field("source", SOURCE)
          .field("op", Schema.STRING_SCHEMA)
          .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
          .field("transaction", TRANSACTION)
          .build();

  private final OversizedChanges<SourceRecord> guard = new OversizedChanges<>();
  private final JsonConverter json = new JsonConverter();

  @BeforeEach
  void configure() {
    guard.configure(Map.of(OversizedChanges.MAX_BYTES, "2048"));
    json.configure(Map.of("schemas.enable", "false"), false);
  }

  @AfterEach
  void close() {
    guard.close();
    json.close();
  }

  /**
   * Connect finds the transform through its service manifest: the local worker discovers plugins
   * with {@code plugin.discovery=service_load}, which skips the reflective scan of every jar (about
   * 5 s of its start here) and finds nothing a jar does not declare.
   */
  @Test
  void theTransformIsDeclaredForServiceLoading() {
    assertThat(
            java.util.ServiceLoader.load(org.apache.kafka.connect.transforms.Transformation.class)
                .stream()
                .map(java.util.ServiceLoader.Provider::type))
        .contains(OversizedChanges.class);
  }

  @Test
  void aChangeWithinTheLimitPassesUntouched() {
    SourceRecord record = record("x".repeat(300));

    assertThat(guard.apply(record)).isSameAs(record);
  }

  @Test
  void aChangeWhoseBoundPassesTheLimitButWhoseJsonDoesNotPassesUntouched() {
    // 500 characters may take 3000 bytes escaped, but these take 500.
    SourceRecord record = record("y".repeat(500));

    assertThat(OversizedChanges.upperBound(record.value())).isGreaterThan(2048);
    assertThat(guard.apply(record)).isSameAs(record);
  }

  @Test
  void anOversizedChangeKeepsItsKeyEnvelopeAndTransactionAndSaysHowLargeItWas() {
    SourceRecord record = record("z".repeat(5_000));
    long size = json.fromConnectData("t", record.valueSchema(), record.value()).length;

    SourceRecord guarded = guard.apply(record);

    assertThat(guarded.key()).isEqualTo(record.key());
    assertThat(guarded.kafkaPartition()).isEqualTo(record.kafkaPartition());
    String value =
        new String(
            json.fromConnectData("t", guarded.valueSchema(), guarded.value()),
            StandardCharsets.UTF_8);
    assertThat(value)
        .isEqualTo(
            "{\"op\":\"u\",\"ts_ms\":99,\"source\":{\"table\":\"notes\",\"lsn\":4711},"
                + "\"transaction\":{\"id\":\"812:4711\",\"total_order\":3,"
                + "\"data_collection_order\":2},"
                + "\"oversized\":{\"bytes\":"
                + size
                + ",\"limit\":2048}}");
  }

  @Test
  void theBoundIsNeverBelowTheJsonSize() {
    for (String note : new String[] {"", "\"\\\n\u0001", "é€😀".repeat(100), "plain".repeat(50)}) {
      SourceRecord record = record(note);
      long size = json.fromConnectData("t", record.valueSchema(), record.value()).length;
      assertThat(OversizedChanges.upperBound(record.value())).as(note).isGreaterThanOrEqualTo(size);
    }
  }

  private static SourceRecord record(String note) {
    Struct before = new Struct(ROW).put("id", 7L).put("note", note);
    Struct after = new Struct(ROW).put("id", 7L).put("note", note + "!");
    Struct value =
        new Struct(ENVELOPE)
            .put("before", before)
            .put("after", after)
            .put("source", new Struct(SOURCE).put("table", "notes").put("lsn", 4711L))
            .put("op", "u")
            .put("ts_ms", 99L)
            .put(
                "transaction",
                new Struct(TRANSACTION)
                    .put("id", "812:4711")
                    .put("total_order", 3L)
                    .put("data_collection_order", 2L));
    return new SourceRecord(
        Map.of(), Map.of(), "cdc.app.notes", 1, Schema.INT64_SCHEMA, 7L, ENVELOPE, value);
  }
}
