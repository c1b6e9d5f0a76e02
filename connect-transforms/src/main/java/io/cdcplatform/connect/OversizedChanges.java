package io.cdcplatform.connect;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Keeps every change record small enough for Kafka, so that a row of any size never stops capture.
 *
 * <p>A change whose value would be more than {@code max.bytes} as JSON is replaced by a small
 * record that keeps its {@code op}, {@code ts_ms}, {@code source} (table, LSN) and {@code
 * transaction} (which source transaction it belongs to, and where in it) and says how large it was:
 * {@code "oversized": {"bytes": ..., "limit": ...}}. The key is kept, so the record goes to its
 * row's partition. The analytics job turns such a record into a named failure (a dead letter and a
 * ledger entry naming the table and the record): the pipeline says it could not apply the change
 * instead of stopping, or of applying it wrongly.
 *
 * <p>Most records are measured without being serialized: only when a cheap upper bound of their
 * JSON size passes the limit are they converted to JSON and measured exactly.
 */
public final class OversizedChanges<R extends ConnectRecord<R>> implements Transformation<R> {

  public static final String MAX_BYTES = "max.bytes";

  private static final ConfigDef CONFIG =
      new ConfigDef()
          .define(
              MAX_BYTES,
              ConfigDef.Type.LONG,
              15L * 1024 * 1024,
              ConfigDef.Range.atLeast(1024),
              ConfigDef.Importance.HIGH,
              "The largest change value, as JSON bytes, that is passed on; keep it below the"
                  + " producer's max.request.size and the topic's max.message.bytes.");

  private long maxBytes;
  private JsonConverter json;

  @Override
  public void configure(Map<String, ?> settings) {
    maxBytes = new AbstractConfig(CONFIG, settings).getLong(MAX_BYTES);
    json = new JsonConverter();
    json.configure(Map.of("schemas.enable", "false"), false);
  }

  @Override
  public R apply(R record) {
    if (!(record.value() instanceof Struct value) || upperBound(value) <= maxBytes) {
      return record;
    }
    long bytes = json.fromConnectData(record.topic(), record.valueSchema(), value).length;
    if (bytes <= maxBytes) {
      return record;
    }
    Struct replacement = replacement(value, bytes, maxBytes);
    return record.newRecord(
        record.topic(),
        record.kafkaPartition(),
        record.keySchema(),
        record.key(),
        replacement.schema(),
        replacement,
        record.timestamp());
  }

  /** What an oversized change becomes: its envelope without the row images, and its size. */
  static Struct replacement(Struct value, long bytes, long limit) {
    Schema size =
        SchemaBuilder.struct()
            .name("io.cdcplatform.connect.Size")
            .field("bytes", Schema.INT64_SCHEMA)
            .field("limit", Schema.INT64_SCHEMA)
            .build();
    SchemaBuilder schema = SchemaBuilder.struct().name("io.cdcplatform.connect.OversizedChange");
    for (String kept : new String[] {"op", "ts_ms", "source", "transaction"}) {
      Field field = value.schema().field(kept);
      if (field != null) {
        schema.field(kept, field.schema());
      }
    }
    schema.field("oversized", size);
    Schema built = schema.build();
    Struct replacement = new Struct(built);
    for (Field field : built.fields()) {
      if (!field.name().equals("oversized")) {
        replacement.put(field, value.get(field.name()));
      }
    }
    replacement.put("oversized", new Struct(size).put("bytes", bytes).put("limit", limit));
    return replacement;
  }

  /** At least as many bytes as the value takes as JSON (every character escaped, bytes base64). */
  static long upperBound(Object value) {
    if (value == null) {
      return 4;
    }
    if (value instanceof String text) {
      return 6L * text.length() + 2;
    }
    if (value instanceof byte[] bytes) {
      return 4L * (bytes.length / 3 + 1) + 2;
    }
    if (value instanceof ByteBuffer buffer) {
      return 4L * (buffer.remaining() / 3 + 1) + 2;
    }
    if (value instanceof Struct struct) {
      long total = 2;
      for (Field field : struct.schema().fields()) {
        total += 6L * field.name().length() + 4 + upperBound(struct.get(field));
      }
      return total;
    }
    if (value instanceof Collection<?> items) {
      long total = 2;
      for (Object item : items) {
        total += 1 + upperBound(item);
      }
      return total;
    }
    if (value instanceof Map<?, ?> map) {
      long total = 2;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        total += 2 + upperBound(String.valueOf(entry.getKey())) + upperBound(entry.getValue());
      }
      return total;
    }
    // Numbers, booleans, dates: far below this.
    return 64;
  }

  @Override
  public ConfigDef config() {
    return CONFIG;
  }

  @Override
  public void close() {
    if (json != null) {
      json.close();
    }
  }
}
