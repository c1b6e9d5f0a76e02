package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Where the reconciler's re-snapshot after a lost replication slot stands. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResnapshotStatus {

  @JsonPropertyDescription(
      "The step under way: Stopping (the connector asked to stop), Resetting (the slot released,"
          + " Strimzi asked to reset the connector's offsets), Resuming (the connector asked to"
          + " run, which snapshots); absent when none is.")
  private String step;

  @JsonPropertyDescription("When the re-snapshot under way began (RFC 3339).")
  private String startedAt;

  @JsonPropertyDescription(
      "What the last step did, or why it could not be done yet (it is tried again at the next"
          + " look).")
  private String message;

  @JsonPropertyDescription("Re-snapshots completed since the pipeline was created.")
  private int completed;

  @JsonPropertyDescription("When the last one completed (RFC 3339).")
  private String lastCompletedAt;

  public String getStep() {
    return step;
  }

  public void setStep(String step) {
    this.step = step;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public int getCompleted() {
    return completed;
  }

  public void setCompleted(int completed) {
    this.completed = completed;
  }

  public String getLastCompletedAt() {
    return lastCompletedAt;
  }

  public void setLastCompletedAt(String lastCompletedAt) {
    this.lastCompletedAt = lastCompletedAt;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ResnapshotStatus that
        && completed == that.completed
        && Objects.equals(step, that.step)
        && Objects.equals(startedAt, that.startedAt)
        && Objects.equals(message, that.message)
        && Objects.equals(lastCompletedAt, that.lastCompletedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(step, startedAt, message, completed, lastCompletedAt);
  }
}
