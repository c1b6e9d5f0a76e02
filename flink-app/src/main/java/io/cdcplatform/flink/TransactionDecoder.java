package io.cdcplatform.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the END records of Debezium's transaction metadata topic: {@code {"status": "END", "id":
 * "<txid>:<lsn>", "event_count": n, "data_collections": [{"data_collection": "schema.table",
 * "event_count": k}], "ts_ms": ...}}. Only the changes of the tables the job reads are counted.
 * BEGIN records carry nothing the job needs. An END it cannot read is logged and skipped: the
 * changes of its transaction are then applied once they have waited {@code
 * incomplete-transaction-timeout}, outside the order of whole transactions.
 */
final class TransactionDecoder implements KafkaRecordDeserializationSchema<TransactionEnd> {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TransactionDecoder.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Set<String> tables;

  TransactionDecoder(List<TableLayout> layouts) {
    this.tables = Set.copyOf(layouts.stream().map(layout -> layout.name().qualified()).toList());
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<TransactionEnd> out) {
    if (record.value() == null) {
      return;
    }
    String coordinates = record.topic() + "/" + record.partition() + "@" + record.offset();
    try {
      TransactionEnd end = decode(record.value(), coordinates);
      if (end != null) {
        out.collect(end);
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("transaction record {} skipped: {}", coordinates, e.getMessage());
    }
  }

  /** The END the record holds; null for a BEGIN. */
  TransactionEnd decode(byte[] value, String coordinates) {
    JsonNode event;
    try {
      event = JSON.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON");
    }
    if (event == null || !"END".equals(event.path("status").asText())) {
      return null;
    }
    String id = event.path("id").asText("");
    Long txId = TransactionEnd.txId(id);
    Long lsn = TransactionEnd.lsn(id);
    if (txId == null || lsn == null) {
      throw new IllegalArgumentException("id '" + id + "': expected <txid>:<lsn>");
    }
    long changes = 0;
    for (JsonNode collection : event.path("data_collections")) {
      if (tables.contains(collection.path("data_collection").asText())) {
        JsonNode count = collection.get("event_count");
        if (count == null || !count.isIntegralNumber()) {
          throw new IllegalArgumentException(
              "data_collections[].event_count: expected a whole number");
        }
        changes += count.longValue();
      }
    }
    return new TransactionEnd(txId, lsn, event.path("ts_ms").asLong(), changes, coordinates);
  }

  @Override
  public TypeInformation<TransactionEnd> getProducedType() {
    return TypeInformation.of(TransactionEnd.class);
  }
}
