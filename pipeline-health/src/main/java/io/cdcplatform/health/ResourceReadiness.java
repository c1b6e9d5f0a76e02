package io.cdcplatform.health;

/**
 * The Ready condition of an operator's custom resource (a Strimzi Kafka or KafkaConnector), as the
 * operator reported it. Absent when the stage runs without an operator ({@code make demo}).
 *
 * @param kind the resource kind, e.g. {@code KafkaConnector}
 * @param name the resource name
 * @param ready whether its Ready condition is True
 * @param message the Ready condition's reason and message when not ready, else empty
 * @param generation {@code metadata.generation}
 * @param observedGeneration {@code status.observedGeneration}
 */
public record ResourceReadiness(
    String kind,
    String name,
    boolean exists,
    boolean ready,
    String message,
    long generation,
    long observedGeneration) {

  public static ResourceReadiness missing(String kind, String name) {
    return new ResourceReadiness(kind, name, false, false, "", 0, 0);
  }

  /** The resource as a reader finds it: {@code KafkaConnector/cdc-source}. */
  public String reference() {
    return kind + "/" + name;
  }
}
