package io.cdcplatform.flink;

import java.io.IOException;
import java.io.Serializable;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Pipeline latency per minute: for every change applied, the time from its commit in the source
 * database (Debezium's {@code source.ts_ms}) to the moment the results that include it are written,
 * which is when the checkpoint that carries it completes and the analytics sinks commit.
 *
 * <p>Each checkpoint's commit times are kept with the checkpoint ({@link CommitOnCheckpointSink});
 * when it completes, their latencies join the samples of the current minute (by write time), and
 * that minute's count, p50, p95, p99 and max go to {@code analytics.pipeline_latency_minute} and,
 * keyed by minute, to the compacted topic of the same name. Both writes are idempotent upserts of
 * the minute's figures, so a rewrite after a restart leaves the same view.
 */
final class LatencySink extends CommitOnCheckpointSink<Long, LatencySink.Samples> {

  private static final long serialVersionUID = 1L;
  static final String TABLE = io.cdcplatform.pipeline.PipelineDefinition.LATENCY;
  static final String TOPIC = io.cdcplatform.pipeline.PipelineDefinition.LATENCY;
  private static final long MINUTE = 60_000L;

  static final List<String> COLUMNS =
      List.of("minute_start", "change_count", "p50_ms", "p95_ms", "p99_ms", "max_ms");

  /** The PostgreSQL table (keyed by minute) and the Kafka client settings. */
  record Target(ResultTable.Target table, Properties kafka) implements Serializable {

    Target(String jdbcUrl, String user, String password, Properties kafka) {
      this(new ResultTable.Target(jdbcUrl, user, password, TABLE, COLUMNS, List.of(0)), kafka);
    }
  }

  /** A growable array of longs. */
  static final class Samples implements Serializable {
    private static final long serialVersionUID = 1L;
    long[] values = new long[64];
    int size;

    void add(long value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }
  }

  private final Target target;
  private transient TreeMap<Long, Samples> minutes;
  private transient SinkConnection connection;
  private transient KafkaProducer<String, String> producer;
  private transient volatile long lastP99 = -1;

  LatencySink(Target target) {
    super("latency-samples");
    this.target = target;
  }

  @Override
  public void open(OpenContext openContext) {
    getRuntimeContext().getMetricGroup().gauge("latencyP99Ms", () -> lastP99);
  }

  @Override
  void initialize() {
    minutes = new TreeMap<>();
    ResultTable.Target table = target.table();
    connection = new SinkConnection(table.jdbcUrl(), table.user(), table.password());
  }

  @Override
  Samples newBatch() {
    return new Samples();
  }

  @Override
  void add(Samples batch, Long sourceCommitMillis) {
    batch.add(sourceCommitMillis);
  }

  /** The samples of the current minute are checkpointed too: its percentiles stay exact. */
  @Override
  Serializable extraState() {
    return minutes;
  }

  @Override
  @SuppressWarnings("unchecked")
  void restoreExtraState(Serializable extra) {
    minutes.putAll((TreeMap<Long, Samples>) extra);
  }

  @Override
  void commit(List<Samples> batches) throws Exception {
    record(batches, System.currentTimeMillis());
  }

  private void record(List<Samples> batches, long writtenAt) throws Exception {
    long minute = Math.floorDiv(writtenAt, MINUTE) * MINUTE;
    Samples samples = minutes.computeIfAbsent(minute, m -> new Samples());
    int before = samples.size;
    for (Samples batch : batches) {
      for (int i = 0; i < batch.size; i++) {
        samples.add(writtenAt - batch.values[i]);
      }
    }
    if (samples.size == before) {
      return;
    }
    LatencyStats stats = LatencyStats.of(samples.values, samples.size);
    write(minute, stats);
    lastP99 = stats.p99();
    // Earlier minutes are final: their figures were written when they were current.
    minutes.headMap(minute, false).clear();
  }

  private void write(long minute, LatencyStats stats) throws Exception {
    LocalDateTime start = LocalDateTime.ofInstant(Instant.ofEpochMilli(minute), ZoneOffset.UTC);
    connection.commit(
        db -> {
          try (PreparedStatement upsert = db.prepareStatement(target.table().upsert())) {
            upsert.setObject(1, start.atOffset(ZoneOffset.UTC));
            upsert.setLong(2, stats.count());
            upsert.setLong(3, stats.p50());
            upsert.setLong(4, stats.p95());
            upsert.setLong(5, stats.p99());
            upsert.setLong(6, stats.max());
            upsert.executeUpdate();
          }
        });
    String key = "{\"minute_start\":\"" + start + "\"}";
    String value =
        ("{\"minute_start\":\"%s\",\"change_count\":%d,\"p50_ms\":%d,\"p95_ms\":%d,"
                + "\"p99_ms\":%d,\"max_ms\":%d}")
            .formatted(start, stats.count(), stats.p50(), stats.p95(), stats.p99(), stats.max());
    try {
      producer().send(new ProducerRecord<>(TOPIC, key, value)).get();
    } catch (ExecutionException e) {
      throw new IOException("writing the latency of minute " + start + " to Kafka", e.getCause());
    }
  }

  private KafkaProducer<String, String> producer() {
    if (producer == null) {
      Properties properties = new Properties();
      properties.putAll(target.kafka());
      properties.put(ProducerConfig.ACKS_CONFIG, "all");
      properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      producer = new KafkaProducer<>(properties);
    }
    return producer;
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
    }
    if (producer != null) {
      producer.close();
    }
  }
}
