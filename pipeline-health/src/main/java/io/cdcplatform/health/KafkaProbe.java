package io.cdcplatform.health;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Describes the Kafka cluster through its AdminClient: registered brokers that answer, partitions
 * without a leader or short of in-sync replicas, and a consumer group's lag.
 */
public final class KafkaProbe implements AutoCloseable {

  private static final long TIMEOUT_SECONDS = 5;

  private final Admin admin;
  private final String bootstrapServers;

  /**
   * @param clientProperties AdminClient settings: at least {@code bootstrap.servers}, plus the
   *     security settings of the listener
   */
  public KafkaProbe(Map<String, Object> clientProperties) {
    Map<String, Object> settings = new HashMap<>(clientProperties);
    settings.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    settings.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    this.bootstrapServers =
        String.valueOf(settings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    this.admin = Admin.create(settings);
  }

  /** The cluster without its Strimzi resource (the reconciler adds it). */
  public Observed<TransportObservation> observe(String cluster, int expectedBrokers) {
    try {
      return Observed.of(cluster(cluster, expectedBrokers));
    } catch (ProbeException e) {
      return Observed.failed(e.getMessage());
    }
  }

  public TransportObservation cluster(String cluster, int expectedBrokers) {
    int brokers = answering(await(admin.describeCluster().nodes()));
    Collection<String> topics =
        await(admin.listTopics(new ListTopicsOptions().listInternal(true)).names());
    Map<String, TopicDescription> descriptions =
        await(admin.describeTopics(topics).allTopicNames());
    List<String> offline = new ArrayList<>();
    List<String> underReplicated = new ArrayList<>();
    descriptions.values().stream()
        .sorted(java.util.Comparator.comparing(TopicDescription::name))
        .forEach(
            topic -> {
              for (TopicPartitionInfo partition : topic.partitions()) {
                String name = topic.name() + "-" + partition.partition();
                if (partition.leader() == null || partition.leader().isEmpty()) {
                  offline.add(name);
                } else if (partition.isr().size() < partition.replicas().size()) {
                  underReplicated.add(name);
                }
              }
            });
    return new TransportObservation(
        cluster, expectedBrokers, brokers, offline, underReplicated, null);
  }

  /**
   * How many of the registered brokers answer a request of their own. A broker stays registered
   * until the controller fences it, and with two of three nodes gone there is no controller quorum
   * to do so: the survivor goes on listing all three, with every partition's ISR as it was. A
   * broker counts as gone only when the request timed out or its connection failed; any answer, a
   * refusal included, means it is up. (Describing log dirs needs only Describe on the cluster,
   * which the reconciler's user has.)
   */
  private int answering(Collection<org.apache.kafka.common.Node> nodes) {
    List<Integer> ids = nodes.stream().map(org.apache.kafka.common.Node::id).toList();
    var asked =
        admin
            .describeLogDirs(
                ids,
                new org.apache.kafka.clients.admin.DescribeLogDirsOptions()
                    .timeoutMs((int) TimeUnit.SECONDS.toMillis(2)))
            .descriptions();
    int answering = 0;
    for (var answer : asked.values()) {
      try {
        answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        answering++;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException
            || e.getCause() instanceof org.apache.kafka.common.errors.DisconnectException)) {
          answering++;
        }
      } catch (TimeoutException e) {
        // no answer: gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ProbeException("Kafka probe interrupted");
      }
    }
    return answering;
  }

  /**
   * The job as Flink reported it, with its consumer group's lag. Kafka not answering that lookup is
   * the transport's failure, and the observation says so: the job is not the stage to blame.
   */
  public Observed<ProcessingObservation> withConsumerLag(ProcessingObservation job, String group) {
    try {
      return Observed.of(job.withConsumerLag(consumerLag(group)));
    } catch (ProbeException e) {
      return Observed.failedAt(
          Stage.TRANSPORT, "the consumer lag of group " + group + ": " + e.getMessage());
    }
  }

  /** Records the group has not yet committed past, over every partition it committed for. */
  public long consumerLag(String group) {
    Map<TopicPartition, OffsetAndMetadata> committed =
        await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    committed.keySet().forEach(partition -> latest.put(partition, OffsetSpec.latest()));
    long lag = 0;
    for (var end : await(admin.listOffsets(latest).all()).entrySet()) {
      OffsetAndMetadata position = committed.get(end.getKey());
      lag += Math.max(0, end.getValue().offset() - (position == null ? 0 : position.offset()));
    }
    return lag;
  }

  private <T> T await(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new ProbeException("Kafka at " + bootstrapServers + ": " + JsonRest.describe(e));
    } catch (TimeoutException e) {
      throw new ProbeException("Kafka at " + bootstrapServers + " did not answer within 5 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProbeException("Kafka probe interrupted");
    }
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(2));
  }
}
