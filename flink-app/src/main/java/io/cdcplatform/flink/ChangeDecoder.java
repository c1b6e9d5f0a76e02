package io.cdcplatform.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Debezium's JSON change events (no embedded schema) of the shop tables. It never throws: a
 * record it cannot decode becomes a poison {@link Change} naming what was wrong, so that one bad
 * record goes to the dead-letter topic instead of failing the job over and over. Tombstones (a null
 * value after a delete, for log compaction) carry no change and are skipped.
 */
final class ChangeDecoder implements KafkaRecordDeserializationSchema<Change> {

  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String topicPrefix;

  ChangeDecoder(String topicPrefix) {
    this.topicPrefix = topicPrefix;
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Change> out) {
    if (record.value() == null) {
      return;
    }
    out.collect(
        decode(
            record.topic(),
            record.partition(),
            record.offset(),
            record.timestamp(),
            record.key(),
            record.value()));
  }

  @Override
  public TypeInformation<Change> getProducedType() {
    return TypeInformation.of(Change.class);
  }

  Change decode(
      String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    Change change = new Change();
    change.topic = topic;
    change.partition = partition;
    change.offset = offset;
    change.kafkaTimestamp = timestamp;
    try {
      ShopTable table = ShopTable.forTopic(topicPrefix, topic);
      if (table == null) {
        throw new Invalid("topic " + topic + " is not a change topic of a shop table");
      }
      JsonNode event;
      try {
        event = JSON.readTree(value);
      } catch (IOException e) {
        throw new Invalid("not JSON: " + firstLine(e.getMessage()));
      }
      if (event == null || !event.isObject()) {
        throw new Invalid("expected a JSON object with before, after, source and op");
      }
      String op = event.path("op").asText("");
      JsonNode source = event.path("source");
      change.table = table;
      change.op = op;
      // Snapshot reads may come without a WAL position: any streamed change of the row is newer.
      change.lsn =
          op.equals("r") && !source.hasNonNull("lsn")
              ? 0
              : requiredLong(source, "lsn", "source.lsn");
      change.sourceMillis = requiredLong(source, "ts_ms", "source.ts_ms");
      switch (op) {
        case "c", "r" -> change.after = row(table, event.get("after"), "after");
        case "u" -> {
          change.before = row(table, event.get("before"), "before");
          change.after = row(table, event.get("after"), "after");
        }
        case "d" -> change.before = row(table, event.get("before"), "before");
        case "t" ->
            throw new Invalid(
                "truncate of shop."
                    + table.table()
                    + " cannot be applied row by row; the analytics need a fresh snapshot");
        default -> throw new Invalid("op '" + op + "': expected one of c, r, u, d");
      }
      Object[] image = change.after != null ? change.after : change.before;
      change.key = ((Number) image[0]).longValue();
      if (change.before != null
          && change.after != null
          && !change.before[0].equals(change.after[0])) {
        throw new Invalid("an update changed the primary key, which the shop schema never does");
      }
      int eventTime = table.eventTimeIndex();
      change.eventMillis =
          eventTime < 0 ? change.sourceMillis : Math.floorDiv((Long) image[eventTime], 1_000L);
    } catch (Invalid e) {
      change.table = null;
      change.reason = e.getMessage();
      change.rawKey = key == null ? null : new String(key, StandardCharsets.UTF_8);
      change.rawValue = new String(value, StandardCharsets.UTF_8);
      change.eventMillis = timestamp;
    }
    return change;
  }

  private static Object[] row(ShopTable table, JsonNode image, String name) throws Invalid {
    if (image == null || !image.isObject()) {
      throw new Invalid(name + ": expected the row's columns as an object");
    }
    Object[] values = new Object[table.columns().size()];
    for (int i = 0; i < values.length; i++) {
      ShopTable.Column column = table.columns().get(i);
      JsonNode node = image.get(column.name());
      String field = name + "." + column.name();
      if (node == null) {
        throw new Invalid(field + ": missing");
      }
      if (node.isNull()) {
        if (i == 0) {
          throw new Invalid(field + ": the primary key may not be null");
        }
        continue;
      }
      values[i] = value(column.type(), node, field);
    }
    return values;
  }

  private static Object value(ShopTable.Type type, JsonNode node, String field) throws Invalid {
    switch (type) {
      case BIGINT, INT -> {
        if (!node.isIntegralNumber() || (type == ShopTable.Type.INT && !node.canConvertToInt())) {
          throw new Invalid(field + ": expected a whole number, got " + brief(node));
        }
        return type == ShopTable.Type.INT ? (Object) node.intValue() : (Object) node.longValue();
      }
      case DECIMAL -> {
        try {
          BigDecimal decimal = new BigDecimal(node.textValue());
          if (decimal.scale() > 2 || decimal.precision() - decimal.scale() > 10) {
            throw new Invalid(field + ": expected a decimal(12, 2), got " + brief(node));
          }
          return decimal.setScale(2);
        } catch (NumberFormatException | NullPointerException e) {
          throw new Invalid(field + ": expected a decimal as a string, got " + brief(node));
        }
      }
      case STRING -> {
        if (!node.isTextual()) {
          throw new Invalid(field + ": expected a string, got " + brief(node));
        }
        return node.textValue();
      }
      case TIMESTAMP -> {
        try {
          Instant instant = Instant.parse(node.textValue());
          return Math.addExact(
              Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
        } catch (DateTimeParseException | NullPointerException | ArithmeticException e) {
          throw new Invalid(field + ": expected an ISO-8601 UTC timestamp, got " + brief(node));
        }
      }
      default -> throw new IllegalStateException("unhandled type " + type);
    }
  }

  private static long requiredLong(JsonNode parent, String name, String field) throws Invalid {
    JsonNode node = parent.get(name);
    if (node == null || !node.isIntegralNumber()) {
      throw new Invalid(
          field + ": expected a whole number, got " + (node == null ? "nothing" : brief(node)));
    }
    return node.longValue();
  }

  private static String brief(JsonNode node) {
    String text = node.toString();
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** What is wrong with a record; becomes its dead-letter reason. */
  private static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }
}
