package io.cdcplatform.health;

import java.util.Objects;

/**
 * One condition of the verdict, shaped as Kubernetes conditions are: a type, a status of True,
 * False or Unknown (the stage could not be observed), a reason from {@link Reason} and a message
 * naming the object and the figure that broke.
 */
public record Condition(String type, Status status, Reason reason, String message) {

  /** A condition's status as Kubernetes spells it. */
  public enum Status {
    TRUE("True"),
    FALSE("False"),
    UNKNOWN("Unknown");

    private final String text;

    Status(String text) {
      this.text = text;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  public Condition {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  static Condition healthy(Stage stage, Reason reason, String message) {
    return new Condition(stage.conditionType(), Status.TRUE, reason, message);
  }

  static Condition failing(Stage stage, Reason reason, String message) {
    return new Condition(stage.conditionType(), Status.FALSE, reason, message);
  }

  static Condition unobserved(Stage stage, String failure) {
    return new Condition(stage.conditionType(), Status.UNKNOWN, Reason.UNREACHABLE, failure);
  }

  public boolean isTrue() {
    return status == Status.TRUE;
  }
}
