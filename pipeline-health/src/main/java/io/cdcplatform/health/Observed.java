package io.cdcplatform.health;

import java.util.Objects;

/**
 * What a probe saw of one stage: either a value, or why it saw nothing (the stage did not answer).
 *
 * @param value the observation, null when the probe failed
 * @param failure what went wrong, naming the endpoint; null when {@code value} is set
 */
public record Observed<T>(T value, String failure) {

  public Observed {
    if ((value == null) == (failure == null)) {
      throw new IllegalArgumentException("exactly one of value and failure must be set");
    }
  }

  public static <T> Observed<T> of(T value) {
    return new Observed<>(Objects.requireNonNull(value, "value"), null);
  }

  public static <T> Observed<T> failed(String failure) {
    return new Observed<>(null, Objects.requireNonNull(failure, "failure"));
  }

  public boolean seen() {
    return value != null;
  }
}
