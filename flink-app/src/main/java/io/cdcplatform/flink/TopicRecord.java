package io.cdcplatform.flink;

import java.io.Serializable;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One record for one of the job's Kafka topics, already encoded: an analytic's result (keyed by its
 * group; a null value is the tombstone of a removed group) or a dead letter. All of them leave the
 * job through one exactly-once sink, so each checkpoint is one Kafka transaction however many
 * topics it touches.
 */
public final class TopicRecord implements Serializable {

  private static final long serialVersionUID = 1L;

  public String topic;
  public byte[] key;

  /** Null for a tombstone. */
  public byte[] value;

  public TopicRecord() {}

  TopicRecord(String topic, byte[] key, byte[] value) {
    this.topic = topic;
    this.key = key;
    this.value = value;
  }

  /** Each record to its own topic; the partition is the producer's, from the key. */
  static final class Serializer implements KafkaRecordSerializationSchema<TopicRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        TopicRecord record, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(record.topic, record.key, record.value);
    }
  }
}
