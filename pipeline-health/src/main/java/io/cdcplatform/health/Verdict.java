package io.cdcplatform.health;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of one evaluation: a condition per stage in pipeline order, then the summary {@code
 * Ready}; the stage that Ready blames (null when Ready); the key figures they were judged on.
 */
public record Verdict(List<Condition> conditions, Stage failing, Figures figures) {

  /** The summary condition's type. */
  public static final String READY = "Ready";

  public Verdict {
    conditions = List.copyOf(conditions);
  }

  public Condition ready() {
    return condition(READY).orElseThrow();
  }

  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  public Condition condition(Stage stage) {
    return condition(stage.conditionType()).orElseThrow();
  }

  /** The stage the summary Ready condition names, empty when the pipeline is Ready. */
  public Optional<Stage> failingStage() {
    return Optional.ofNullable(failing);
  }
}
