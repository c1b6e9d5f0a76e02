package io.cdcplatform.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Instant;

/**
 * Reads the analytics job's state, start and newest completed checkpoint from Flink's REST API.
 * When several jobs share the name (an old attempt kept in the history), the newest one counts.
 */
public final class FlinkProbe {

  private final JsonRest rest;
  private final String jobName;

  /**
   * @param restUrl the JobManager's REST URL, e.g. {@code http://127.0.0.1:8081}
   * @param jobName the job's name, e.g. {@code cdc-analytics}
   */
  private static final int MAX_CAUSE = 400;

  private static final java.util.regex.Pattern SUBTASK =
      java.util.regex.Pattern.compile("\\(\\d+/\\d+\\)( - execution #\\d+|#\\d+)?$");

  public FlinkProbe(String restUrl, String jobName) {
    this.rest = new JsonRest("Flink REST", restUrl);
    this.jobName = jobName;
  }

  /**
   * The job as Flink sees it, with the consumer lag given; the FlinkDeployment is added by the
   * reconciler.
   */
  public ProcessingObservation job(long consumerLag) {
    JsonNode overview = rest.get("/jobs/overview");
    JsonNode newest = null;
    JsonNode jobs = overview == null ? MissingNode.getInstance() : overview.path("jobs");
    for (JsonNode job : jobs) {
      if (jobName.equals(job.path("name").asText())
          && (newest == null
              || job.path("start-time").asLong() > newest.path("start-time").asLong())) {
        newest = job;
      }
    }
    if (newest == null) {
      return new ProcessingObservation(jobName, null, null, null, consumerLag, null);
    }
    String id = newest.path("jid").asText();
    JsonNode checkpoints = rest.get("/jobs/" + id + "/checkpoints");
    long acknowledged =
        checkpoints == null
            ? 0
            : checkpoints.path("latest").path("completed").path("latest_ack_timestamp").asLong(0);
    long started = newest.path("start-time").asLong(0);
    String state = newest.path("state").asText("UNKNOWN");
    return new ProcessingObservation(
        jobName,
        state,
        started > 0 ? Instant.ofEpochMilli(started) : null,
        acknowledged > 0 ? Instant.ofEpochMilli(acknowledged) : null,
        consumerLag,
        null,
        "RUNNING".equals(state)
            ? null
            : lastFailure(rest.get("/jobs/" + id + "/exceptions?maxExceptions=1")));
  }

  /**
   * A chained task is named after every operator in its chain, often hundreds of characters: keep
   * the first operator and the subtask ("change-router -> ... (1/1) - execution #9").
   */
  static String shortTaskName(String task) {
    int chain = task.indexOf(" -> ");
    if (chain < 0) {
      return task;
    }
    java.util.regex.Matcher subtask = SUBTASK.matcher(task);
    return task.substring(0, chain) + " -> ..." + (subtask.find() ? " " + subtask.group() : "");
  }

  /**
   * The newest entry of the job's exception history: when, in which task, and the root cause (the
   * last "Caused by" of its stack trace, else its first line). A job in a restart loop says only
   * RESTARTING; this is why.
   */
  static String lastFailure(JsonNode exceptions) {
    JsonNode newest =
        exceptions == null
            ? MissingNode.getInstance()
            : exceptions.path("exceptionHistory").path("entries").path(0);
    String trace = newest.path("stacktrace").asText("");
    if (trace.isBlank()) {
      return null;
    }
    String cause = trace.lines().findFirst().orElse("").strip();
    for (String line : trace.lines().toList()) {
      if (line.startsWith("Caused by: ")) {
        cause = line.substring("Caused by: ".length()).strip();
      }
    }
    if (cause.length() > MAX_CAUSE) {
      cause = cause.substring(0, MAX_CAUSE) + "...";
    }
    StringBuilder failure = new StringBuilder();
    long at = newest.path("timestamp").asLong(0);
    if (at > 0) {
      failure.append("at ").append(Instant.ofEpochMilli(at)).append(' ');
    }
    String task = newest.path("taskName").asText("");
    if (!task.isBlank() && !"null".equals(task)) {
      failure.append("in ").append(shortTaskName(task)).append(' ');
    }
    return failure.append("caused by ").append(cause).toString();
  }
}
