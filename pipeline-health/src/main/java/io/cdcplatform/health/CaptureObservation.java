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
 * @param restarts the operator's automatic restarts of a failed connector or task, null without an
 *     operator or with automatic restarts off
 */
public record CaptureObservation(
    String connector,
    String state,
    List<Task> tasks,
    ResourceReadiness resource,
    ResourceReadiness worker,
    Restarts restarts) {

  public CaptureObservation {
    tasks = List.copyOf(tasks);
  }

  /** Without operator resources: what Kafka Connect's REST API says. */
  public CaptureObservation(String connector, String state, List<Task> tasks) {
    this(connector, state, tasks, null, null, null);
  }

  /** With operator resources, without automatic restarts. */
  public CaptureObservation(
      String connector,
      String state,
      List<Task> tasks,
      ResourceReadiness resource,
      ResourceReadiness worker) {
    this(connector, state, tasks, resource, worker, null);
  }

  /**
   * Strimzi's automatic restarts ({@code spec.autoRestart}, {@code status.autoRestart}): it
   * restarts a failed connector and its tasks with a growing back-off, at most {@code max} times;
   * after that a failure stays until someone restarts it.
   *
   * @param count restarts since the connector was last stable
   * @param max {@code spec.autoRestart.maxRestarts}; null: unbounded
   * @param last when the last one was tried, null before the first
   */
  public record Restarts(int count, Integer max, java.time.Instant last) {
    /** Whether the operator will not restart it again. */
    public boolean exhausted() {
      return max != null && count >= max;
    }

    String describe() {
      if (exhausted()) {
        return "; the operator's automatic restarts are exhausted ("
            + count
            + " of "
            + max
            + (last == null ? "" : ", the last at " + last)
            + "): it stays failed until restarted by hand";
      }
      return "; the operator restarts it automatically ("
          + count
          + " restart(s) so far"
          + (max == null ? "" : " of at most " + max)
          + ")";
    }
  }

  /** One task of the connector; {@code trace} is the first line of its error, or empty. */
  public record Task(int id, String state, String trace) {}
}
