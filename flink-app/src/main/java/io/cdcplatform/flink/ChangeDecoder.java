package io.cdcplatform.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcplatform.pipeline.PipelineDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Debezium's JSON change events (no embedded schema) of the captured tables, each column by
 * the type the source's catalog gives it ({@link ColumnKind}). It never throws: a record it cannot
 * decode becomes a poison {@link Change} naming what was wrong, so that one bad record goes to the
 * dead-letter topic instead of failing the job over and over. A truncate becomes a change of its
 * table with no key and no rows. Tombstones (a null value after a delete, for log compaction) carry
 * no change and are skipped. Columns the event carries beyond the catalog's (one added since the
 * job started) are ignored: no analytic can use them yet.
 */
final class ChangeDecoder implements KafkaRecordDeserializationSchema<Change> {

  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<TableLayout> tables;
  private transient Map<String, TableLayout> byTopic;

  ChangeDecoder(List<TableLayout> tables) {
    this.tables = List.copyOf(tables);
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
      TableLayout table = table(topic);
      JsonNode event;
      try {
        event = JSON.readTree(value);
      } catch (IOException e) {
        throw new ColumnKind.Refused("not JSON: " + firstLine(e.getMessage()));
      }
      if (event == null || !event.isObject()) {
        throw new ColumnKind.Refused("expected a JSON object with before, after, source and op");
      }
      // Read first, so that a change the job cannot apply still counts for its transaction.
      transaction(event, change);
      JsonNode oversized = event.get("oversized");
      if (oversized != null) {
        throw new ColumnKind.Refused(
            "the change of "
                + table.name()
                + " at LSN "
                + event.path("source").path("lsn").asText("?")
                + " was "
                + oversized.path("bytes").asLong()
                + " bytes as JSON, above the connector's limit of "
                + oversized.path("limit").asLong()
                + " (transforms.oversized.max.bytes), and was passed on without its rows:"
                + " capture only the columns the analytics read (columns: [...] in the"
                + " definition) or raise the limit");
      }
      String op = event.path("op").asText("");
      JsonNode source = event.path("source");
      change.op = op;
      // Snapshot reads may come without a WAL position: any streamed change of the row is newer.
      change.lsn =
          op.equals("r") && !source.hasNonNull("lsn")
              ? 0
              : requiredLong(source, "lsn", "source.lsn");
      change.sourceMillis = requiredLong(source, "ts_ms", "source.ts_ms");
      switch (op) {
        case "c":
        case "r":
          change.after = row(table, event.get("after"), "after", false);
          break;
        case "u":
          change.before = before(table, event.get("before"));
          change.after = row(table, event.get("after"), "after", false);
          break;
        case "d":
          change.before = before(table, event.get("before"));
          break;
        case "t":
          // No key and no rows: the router applies it to every row of the table.
          change.eventMillis = change.sourceMillis;
          change.table = table.index();
          return change;
        default:
          throw new ColumnKind.Refused("op '" + op + "': expected one of c, r, u, d, t");
      }
      Object[] image = change.after != null ? change.after : change.before;
      change.key = key(table, image);
      if (change.before != null
          && change.after != null
          && !change.key.equals(key(table, change.before))) {
        throw new ColumnKind.Refused(
            "an update changed the key "
                + table.keyNames()
                + "; Debezium sends a key change as a delete and a create when the key is its"
                + " message key (message.key.columns for a declared key)");
      }
      if (table.heartbeat() && op.equals("r")) {
        change.supersedesBelow =
            event.path("after").path(PipelineDefinition.RESNAPSHOT_COLUMN).asLong(0);
      }
      if (table.heartbeat() && !op.equals("r") && change.after != null) {
        JsonNode after = event.path("after");
        change.verifyRound = after.path(PipelineDefinition.VERIFY_ROUND_COLUMN).asLong(0);
        change.verifyCut = after.path(PipelineDefinition.VERIFY_CUT_COLUMN).asLong(0);
      }
      change.eventMillis =
          table.eventTime() < 0 || image[table.eventTime()] == null
              ? change.sourceMillis
              : table.columns().get(table.eventTime()).kind().epochMillis(image[table.eventTime()]);
      change.table = table.index();
    } catch (ColumnKind.Refused e) {
      change.table = -1;
      change.reason = e.getMessage();
      change.rawKey = key == null ? null : new String(key, StandardCharsets.UTF_8);
      change.rawValue = new String(value, StandardCharsets.UTF_8);
      change.eventMillis = timestamp;
    }
    return change;
  }

  /**
   * The source transaction a change belongs to and its place in it ({@code transaction.id}, {@code
   * transaction.total_order}), and whether it is a snapshot read.
   */
  private static void transaction(JsonNode event, Change change) {
    String snapshot = event.path("source").path("snapshot").asText("false");
    change.snapshot = !snapshot.equals("false");
    JsonNode transaction = event.get("transaction");
    if (transaction == null || !transaction.isObject()) {
      return;
    }
    Long id = TransactionEnd.txId(transaction.path("id").asText(""));
    JsonNode order = transaction.get("total_order");
    if (id != null && order != null && order.isIntegralNumber()) {
      change.txId = id;
      change.txOrder = order.longValue();
    }
  }

  private TableLayout table(String topic) throws ColumnKind.Refused {
    if (byTopic == null) {
      Map<String, TableLayout> map = new HashMap<>();
      for (TableLayout table : tables) {
        map.put(table.topic(), table);
      }
      byTopic = map;
    }
    TableLayout table = byTopic.get(topic);
    if (table == null) {
      throw new ColumnKind.Refused(
          "topic " + topic + " is not the change topic of a captured table");
    }
    return table;
  }

  /** The row's key as text, for routing. */
  static String key(TableLayout table, Object[] image) {
    return KeyText.of(table.key(), position -> image[position]);
  }

  /**
   * The before-image. Under a primary key only its key is read: the router retracts the version it
   * kept, not this image, so a column of the old row that could not be decoded (the change that
   * wrote it went to the dead letters) does not stop the row's later changes, and fixing or
   * deleting the row heals the analytics. A declared, non-unique key needs the whole image: it
   * tells which of the rows under the key goes.
   */
  private static Object[] before(TableLayout table, JsonNode image) throws ColumnKind.Refused {
    return row(table, image, "before", table.primaryKey());
  }

  private static Object[] row(TableLayout table, JsonNode image, String name, boolean keyOnly)
      throws ColumnKind.Refused {
    if (image == null || !image.isObject()) {
      throw new ColumnKind.Refused(name + ": expected the row's columns as an object");
    }
    Object[] values = new Object[table.columns().size()];
    for (int i = 0; i < values.length; i++) {
      if (keyOnly && !table.key().contains(i)) {
        continue;
      }
      SourceColumn column = table.columns().get(i);
      JsonNode node = image.get(column.name());
      String field = name + "." + column.name();
      if (node == null) {
        throw new ColumnKind.Refused(
            field + ": missing (dropped or renamed in " + table.name() + "?)");
      }
      if (node.isNull()) {
        if (!column.nullable()) {
          throw new ColumnKind.Refused(field + ": null in a column that may not be null");
        }
        continue;
      }
      try {
        values[i] = column.kind().decode(node, column.precision(), column.scale());
      } catch (ColumnKind.Refused e) {
        throw new ColumnKind.Refused(field + " (" + column.type() + "): " + e.getMessage());
      }
    }
    return values;
  }

  private static long requiredLong(JsonNode parent, String name, String field)
      throws ColumnKind.Refused {
    JsonNode node = parent.get(name);
    if (node == null || !node.isIntegralNumber()) {
      throw new ColumnKind.Refused(
          field
              + ": expected a whole number, got "
              + (node == null ? "nothing" : ColumnKind.brief(node.toString())));
    }
    return node.longValue();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
