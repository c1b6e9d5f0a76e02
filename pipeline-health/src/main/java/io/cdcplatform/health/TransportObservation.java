package io.cdcplatform.health;

import java.util.List;

/**
 * The Kafka cluster as its AdminClient describes it, and its Strimzi resource where there is one.
 *
 * @param cluster the cluster name
 * @param expectedBrokers how many brokers the cluster should have
 * @param brokers how many brokers are registered, {@link #UNKNOWN} when the brokers did not answer
 *     and only the operator's resource was seen
 * @param offlinePartitions partitions without a leader, as {@code topic-partition}
 * @param underReplicatedPartitions partitions with fewer in-sync replicas than replicas
 * @param resource the Kafka resource's readiness, null without an operator
 */
public record TransportObservation(
    String cluster,
    int expectedBrokers,
    int brokers,
    List<String> offlinePartitions,
    List<String> underReplicatedPartitions,
    ResourceReadiness resource) {

  /** The broker count when the brokers could not be asked. */
  public static final int UNKNOWN = -1;

  public TransportObservation {
    offlinePartitions = List.copyOf(offlinePartitions);
    underReplicatedPartitions = List.copyOf(underReplicatedPartitions);
  }
}
