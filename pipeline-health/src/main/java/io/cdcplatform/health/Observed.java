package io.cdcplatform.health;

import java.util.Objects;

/**
 * What a probe saw of one stage: either a value, or why it saw nothing.
 *
 * @param value the observation, null when the probe failed
 * @param failure what went wrong, naming the endpoint; null when {@code value} is set
 * @param blamed the stage whose component did not answer, when it is not the observed stage itself
 *     (the job's consumer lag is asked of Kafka: Kafka not answering is the transport's failure,
 *     not the job's); null otherwise
 */
public record Observed<T>(T value, String failure, Stage blamed) {

  public Observed {
    if ((value == null) == (failure == null)) {
      throw new IllegalArgumentException("exactly one of value and failure must be set");
    }
    if (blamed != null && failure == null) {
      throw new IllegalArgumentException("only a failed observation blames a stage");
    }
  }

  public static <T> Observed<T> of(T value) {
    return new Observed<>(Objects.requireNonNull(value, "value"), null, null);
  }

  /** The stage itself did not answer. */
  public static <T> Observed<T> failed(String failure) {
    return new Observed<>(null, Objects.requireNonNull(failure, "failure"), null);
  }

  /** The stage could not be seen because another stage's component did not answer. */
  public static <T> Observed<T> failedAt(Stage blamed, String failure) {
    return new Observed<>(
        null, Objects.requireNonNull(failure, "failure"), Objects.requireNonNull(blamed, "blamed"));
  }

  public boolean seen() {
    return value != null;
  }
}
