package io.cdcplatform.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Tails {@code cdc.shop.orders} from its end and notes when each change of one order arrives, by
 * the order's new amount, so a benchmark can split latency into capture and analytics.
 */
final class ProbeWatcher implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  ProbeWatcher(String bootstrapServers, long orderId) {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties);
    List<TopicPartition> partitions =
        consumer.partitionsFor("cdc.shop.orders").stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    thread =
        Thread.ofPlatform()
            .daemon()
            .name("probe-watcher")
            .start(
                () -> {
                  try (consumer) {
                    while (running) {
                      for (ConsumerRecord<String, String> record :
                          consumer.poll(Duration.ofMillis(50))) {
                        note(record, orderId);
                      }
                    }
                  }
                });
  }

  private void note(ConsumerRecord<String, String> record, long orderId) {
    if (record.value() == null) {
      return;
    }
    try {
      JsonNode after = JSON.readTree(record.value()).path("after");
      if (after.path("id").asLong() == orderId) {
        arrivals.putIfAbsent(after.path("amount").asText(), System.nanoTime());
      }
    } catch (Exception e) {
      // not a change of the probe order
    }
  }

  /** When the change that set the order's amount to {@code amount} reached Kafka (nanoTime). */
  Long arrival(String amount) {
    return arrivals.get(amount);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
  }
}
