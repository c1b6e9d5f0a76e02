package io.cdcplatform.health;

import java.util.List;

/** Judges the Kafka cluster: every broker registered, every partition led and fully replicated. */
final class TransportCheck {

  private static final int EXAMPLES = 3;

  private TransportCheck() {}

  static Condition evaluate(TransportObservation kafka) {
    Condition missing = ResourceCheck.missing(Stage.TRANSPORT, kafka.resource());
    if (missing != null) {
      return missing;
    }
    String name = "Kafka cluster " + kafka.cluster();
    if (kafka.brokers() != TransportObservation.UNKNOWN
        && kafka.brokers() < kafka.expectedBrokers()) {
      return Condition.failing(
          Stage.TRANSPORT,
          Reason.BROKERS_MISSING,
          name + " has " + kafka.brokers() + " of " + kafka.expectedBrokers() + " brokers");
    }
    if (!kafka.offlinePartitions().isEmpty()) {
      return Condition.failing(
          Stage.TRANSPORT,
          Reason.OFFLINE_PARTITIONS,
          name + " has " + count(kafka.offlinePartitions()) + " without a leader");
    }
    if (!kafka.underReplicatedPartitions().isEmpty()) {
      return Condition.failing(
          Stage.TRANSPORT,
          Reason.UNDER_REPLICATED_PARTITIONS,
          name + " has " + count(kafka.underReplicatedPartitions()) + " under-replicated");
    }
    Condition resource = ResourceCheck.failure(Stage.TRANSPORT, kafka.resource());
    if (resource != null) {
      return resource;
    }
    return Condition.healthy(
        Stage.TRANSPORT,
        Reason.CLUSTER_HEALTHY,
        name + " has " + kafka.brokers() + " brokers and every partition fully replicated");
  }

  private static String count(List<String> partitions) {
    String examples =
        String.join(", ", partitions.subList(0, Math.min(EXAMPLES, partitions.size())));
    return partitions.size()
        + (partitions.size() == 1 ? " partition (" : " partitions (")
        + examples
        + (partitions.size() > EXAMPLES ? ", ..." : "")
        + ")";
  }
}
