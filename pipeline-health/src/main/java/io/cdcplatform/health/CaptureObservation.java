package io.cdcplatform.health;

import java.util.List;

/**
 * The Debezium connector as Kafka Connect reports it, and its Strimzi resource where there is one.
 *
 * @param connector the connector name
 * @param state {@code RUNNING}, {@code PAUSED}, {@code STOPPED}, {@code FAILED}, {@code
 *     UNASSIGNED}; null when Connect does not know the connector
 * @param tasks the connector's tasks
 * @param resource the KafkaConnector's readiness, null without an operator
 * @param worker the KafkaConnect's readiness (the Connect cluster running it), null without an
 *     operator
 */
public record CaptureObservation(
    String connector,
    String state,
    List<Task> tasks,
    ResourceReadiness resource,
    ResourceReadiness worker) {

  public CaptureObservation {
    tasks = List.copyOf(tasks);
  }

  /** Without operator resources: what Kafka Connect's REST API says. */
  public CaptureObservation(String connector, String state, List<Task> tasks) {
    this(connector, state, tasks, null, null);
  }

  /** One task of the connector; {@code trace} is the first line of its error, or empty. */
  public record Task(int id, String state, String trace) {}
}
