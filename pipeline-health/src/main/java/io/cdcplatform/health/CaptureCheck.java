package io.cdcplatform.health;

/**
 * Judges the connector: its Connect cluster Ready, the connector known to Connect and RUNNING with
 * every task RUNNING, its resource Ready.
 */
final class CaptureCheck {

  private CaptureCheck() {}

  static Condition evaluate(CaptureObservation capture) {
    Condition missing = ResourceCheck.missing(Stage.CAPTURE, capture.resource());
    if (missing != null) {
      return missing;
    }
    // A Connect cluster that is down explains the connector's state: it comes first.
    Condition worker = ResourceCheck.failure(Stage.CAPTURE, capture.worker());
    if (worker != null) {
      return worker;
    }
    String name = "connector " + capture.connector();
    if (capture.state() == null) {
      return Condition.failing(
          Stage.CAPTURE, Reason.CONNECTOR_MISSING, name + " is not known to Kafka Connect");
    }
    if (!"RUNNING".equals(capture.state())) {
      return Condition.failing(
          Stage.CAPTURE,
          reason(capture, capture.state(), Reason.CONNECTOR_NOT_RUNNING),
          name + " is " + capture.state() + restartNote(capture, capture.state()));
    }
    if (capture.tasks().isEmpty()) {
      return Condition.failing(Stage.CAPTURE, Reason.NO_TASKS, name + " runs no tasks");
    }
    for (CaptureObservation.Task task : capture.tasks()) {
      if (!"RUNNING".equals(task.state())) {
        return Condition.failing(
            Stage.CAPTURE,
            reason(capture, task.state(), Reason.TASK_NOT_RUNNING),
            name
                + " task "
                + task.id()
                + " is "
                + task.state()
                + (task.trace().isEmpty() ? "" : ": " + task.trace())
                + restartNote(capture, task.state()));
      }
    }
    Condition resource = ResourceCheck.failure(Stage.CAPTURE, capture.resource());
    if (resource != null) {
      return resource;
    }
    return Condition.healthy(
        Stage.CAPTURE,
        Reason.CONNECTOR_RUNNING,
        name + " and its " + capture.tasks().size() + " task(s) are RUNNING");
  }

  /** A FAILED connector or task the operator will not restart again is its own reason. */
  private static Reason reason(CaptureObservation capture, String state, Reason otherwise) {
    return "FAILED".equals(state) && capture.restarts() != null && capture.restarts().exhausted()
        ? Reason.RESTARTS_EXHAUSTED
        : otherwise;
  }

  /** What the operator does about a failure: only FAILED is restarted automatically. */
  private static String restartNote(CaptureObservation capture, String state) {
    return capture.restarts() == null || !"FAILED".equals(state)
        ? ""
        : capture.restarts().describe();
  }
}
