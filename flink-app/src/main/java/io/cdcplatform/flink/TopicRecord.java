package io.cdcplatform.flink;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
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

  /**
   * The source position the record's Kafka transaction brings the topics to ({@link
   * TopicPositions}): the last source transaction's id and its commit LSN; 0 when none was applied
   * yet.
   */
  public long txId;

  public long commitLsn;

  public TopicRecord() {}

  TopicRecord(String topic, byte[] key, byte[] value) {
    this.topic = topic;
    this.key = key;
    this.value = value;
  }

  /** The header holding {@link #txId}, in decimal. */
  public static final String TXID_HEADER = "cdc-source-txid";

  /** The header holding {@link #commitLsn}, as PostgreSQL writes an LSN ({@code 16/B374D848}). */
  public static final String COMMIT_LSN_HEADER = "cdc-source-commit-lsn";

  /**
   * Each record to its own topic, the partition the producer's, from the key; with the source
   * position in two headers once there is one.
   */
  static final class Serializer implements KafkaRecordSerializationSchema<TopicRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        TopicRecord record, KafkaSinkContext context, Long timestamp) {
      ProducerRecord<byte[], byte[]> produced =
          new ProducerRecord<>(record.topic, record.key, record.value);
      if (record.txId > 0) {
        produced
            .headers()
            .add(TXID_HEADER, Long.toString(record.txId).getBytes(StandardCharsets.US_ASCII))
            .add(
                COMMIT_LSN_HEADER,
                ResultsCommitter.lsnText(record.commitLsn).getBytes(StandardCharsets.US_ASCII));
      }
      return produced;
    }
  }
}
