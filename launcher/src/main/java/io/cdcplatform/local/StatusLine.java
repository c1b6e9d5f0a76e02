package io.cdcplatform.local;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The periodic line {@code make demo} prints: records per second into the change topics, each
 * topic's end offset, and the connector's state; and the records per second the analytics job has
 * committed as consumed. Both come from Kafka itself, not from Flink's metrics, whose REST answers
 * may be one fetch behind.
 */
final class StatusLine {

  private final Admin admin;
  private final List<String> topics;
  private final Rate captured = new Rate();
  private final Rate committed = new Rate();

  /** How fast a running total grows between two readings. */
  private static final class Rate {
    private long last = -1;
    private long lastAt;

    /** Per second since the previous reading, formatted; null at the first. */
    String next(long total) {
      long now = System.nanoTime();
      String rate =
          last < 0
              ? null
              : String.format(Locale.ROOT, "%.1f", (total - last) / ((now - lastAt) / 1e9));
      last = total;
      lastAt = now;
      return rate;
    }
  }

  StatusLine(Admin admin, List<String> topics) {
    this.admin = admin;
    this.topics = topics;
  }

  /** End offsets summed over partitions, by topic. */
  Map<String, Long> endOffsets() throws Exception {
    Map<String, TopicDescription> descriptions =
        admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
    descriptions.forEach(
        (name, description) ->
            description
                .partitions()
                .forEach(
                    p ->
                        request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
    Map<String, Long> offsets = new LinkedHashMap<>();
    topics.forEach(t -> offsets.put(t, 0L));
    admin
        .listOffsets(request)
        .all()
        .get(10, TimeUnit.SECONDS)
        .forEach((partition, info) -> offsets.merge(partition.topic(), info.offset(), Long::sum));
    return offsets;
  }

  /**
   * Records per second the consumer group committed as consumed since the last call (the job
   * commits its offsets with each checkpoint), e.g. {@code 221.4 records/s committed}; null on the
   * first call or when Kafka does not answer.
   */
  String committed(String group) {
    try {
      long total =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS)
              .values()
              .stream()
              .filter(Objects::nonNull)
              .mapToLong(OffsetAndMetadata::offset)
              .sum();
      String rate = committed.next(total);
      return rate == null ? null : rate + " records/s committed";
    } catch (Exception e) {
      return null;
    }
  }

  String line(String connectorState) {
    try {
      Map<String, Long> offsets = endOffsets();
      long total = offsets.values().stream().mapToLong(Long::longValue).sum();
      String rate = captured.next(total);
      return "status: captured "
          + (rate == null ? "-" : rate)
          + " records/s | end offsets "
          + offsets.entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining(" "))
          + " | connector "
          + connectorState;
    } catch (Exception e) {
      return "status: Kafka did not answer (" + e.getMessage() + ") | connector " + connectorState;
    }
  }
}
