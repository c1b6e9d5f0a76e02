package io.cdcplatform.operator;

import io.cdcplatform.health.Reason;
import io.cdcplatform.health.Stage;
import io.cdcplatform.health.Verdict;
import io.cdcplatform.operator.api.CdcPipelineStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a verdict into the CdcPipeline's next status, keeping each condition's {@code
 * lastTransitionTime} unless its status flipped, and says which conditions changed (for events).
 */
final class StatusRecorder {

  private StatusRecorder() {}

  static CdcPipelineStatus next(
      CdcPipelineStatus previous, Verdict verdict, long generation, Instant now) {
    List<Condition> conditions = new ArrayList<>();
    for (io.cdcplatform.health.Condition condition : verdict.conditions()) {
      conditions.add(
          condition(
              previous,
              condition.type(),
              condition.status().toString(),
              condition.reason(),
              condition.message(),
              generation,
              now));
    }
    CdcPipelineStatus status = new CdcPipelineStatus();
    status.setObservedGeneration(generation);
    status.setConditions(conditions);
    status.setFailingStage(verdict.failingStage().map(Stage::conditionType).orElse(null));
    Duration freshness = verdict.figures().freshness();
    status.setFreshness(freshness == null ? null : freshness.toSeconds() + "s");
    return status;
  }

  /** The status of a spec that cannot be judged: only Ready, False, SpecInvalid. */
  static CdcPipelineStatus invalid(
      CdcPipelineStatus previous, String message, long generation, Instant now) {
    CdcPipelineStatus status = new CdcPipelineStatus();
    status.setObservedGeneration(generation);
    status.setConditions(
        List.of(
            condition(
                previous, Verdict.READY, "False", Reason.SPEC_INVALID, message, generation, now)));
    return status;
  }

  /** Conditions of {@code next} whose status or reason differ from {@code previous}. */
  static List<Condition> changes(CdcPipelineStatus previous, CdcPipelineStatus next) {
    List<Condition> changed = new ArrayList<>();
    for (Condition condition : next.getConditions()) {
      Condition before = find(previous, condition.getType());
      if (before == null
          || !Objects.equals(before.getStatus(), condition.getStatus())
          || !Objects.equals(before.getReason(), condition.getReason())) {
        changed.add(condition);
      }
    }
    return changed;
  }

  private static Condition condition(
      CdcPipelineStatus previous,
      String type,
      String status,
      Reason reason,
      String message,
      long generation,
      Instant now) {
    Condition before = find(previous, type);
    String since =
        before != null && status.equals(before.getStatus())
            ? before.getLastTransitionTime()
            : now.truncatedTo(ChronoUnit.SECONDS).toString();
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason.camelCase())
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }

  private static Condition find(CdcPipelineStatus status, String type) {
    if (status == null || status.getConditions() == null) {
      return null;
    }
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }
}
