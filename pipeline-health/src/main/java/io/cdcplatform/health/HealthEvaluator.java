package io.cdcplatform.health;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Turns a snapshot of observations into a verdict: one condition per stage, then {@code Ready},
 * whose reason is that of the first stage, in pipeline order, that is not True. One exception: a
 * slot that is merely inactive while capture is failing is the effect, not the cause, so Ready
 * names capture then; and a stage whose probe failed because another stage's component did not
 * answer fails that stage. Pure: no I/O, the time comes in as an argument, the same snapshot and
 * time give the same verdict.
 */
public final class HealthEvaluator {

  private HealthEvaluator() {}

  public static Verdict evaluate(PipelineSnapshot snapshot, Instant now) {
    Slo slo = snapshot.slo();
    List<Condition> conditions = new ArrayList<>();
    conditions.add(judge(Stage.SOURCE, snapshot.source(), s -> SourceCheck.evaluate(s, slo)));
    conditions.add(judge(Stage.CAPTURE, snapshot.capture(), CaptureCheck::evaluate));
    conditions.add(judge(Stage.TRANSPORT, snapshot.transport(), TransportCheck::evaluate));
    conditions.add(
        judge(Stage.PROCESSING, snapshot.processing(), p -> ProcessingCheck.evaluate(p, slo, now)));
    conditions.add(judge(Stage.SINK, snapshot.sink(), s -> SinkCheck.evaluate(s, slo, now)));
    conditions.add(judge(Stage.RESULTS, snapshot.sink(), ResultsCheck::evaluate));
    blame(conditions, Stage.SOURCE, snapshot.source());
    blame(conditions, Stage.CAPTURE, snapshot.capture());
    blame(conditions, Stage.TRANSPORT, snapshot.transport());
    blame(conditions, Stage.PROCESSING, snapshot.processing());
    blame(conditions, Stage.SINK, snapshot.sink());
    Stage failing = failing(conditions);
    conditions.add(summary(failing, conditions));
    return new Verdict(conditions, failing, figures(snapshot, now));
  }

  private static <T> Condition judge(
      Stage stage, Observed<T> observed, Function<T, Condition> check) {
    return observed.seen()
        ? check.apply(observed.value())
        : Condition.unobserved(stage, observed.failure());
  }

  /**
   * A stage that could not be seen because another stage's component did not answer fails that
   * other stage, when its own probe found nothing wrong (it may have looked a moment earlier, or
   * asked a broker that still answers): the verdict names the stage that failed, not the first that
   * noticed.
   */
  private static void blame(List<Condition> conditions, Stage observed, Observed<?> seen) {
    Stage blamed = seen.blamed();
    if (blamed == null || blamed == observed || !conditions.get(blamed.ordinal()).isTrue()) {
      return;
    }
    conditions.set(
        blamed.ordinal(),
        Condition.failing(
            blamed,
            Reason.UNREACHABLE,
            seen.failure() + " (asked for " + observed.conditionType() + ")"));
  }

  private static Stage failing(List<Condition> stages) {
    for (Stage stage : Stage.values()) {
      Condition condition = stages.get(stage.ordinal());
      if (condition.isTrue()) {
        continue;
      }
      boolean slotIdleBecauseCaptureIsDown =
          condition.reason() == Reason.SLOT_INACTIVE
              && !stages.get(Stage.CAPTURE.ordinal()).isTrue();
      if (!slotIdleBecauseCaptureIsDown) {
        return stage;
      }
    }
    return null;
  }

  private static Condition summary(Stage failing, List<Condition> stages) {
    if (failing == null) {
      return new Condition(
          Verdict.READY,
          Condition.Status.TRUE,
          Reason.PIPELINE_FLOWING,
          "changes flow from the source tables to the analytics tables");
    }
    Condition stage = stages.get(failing.ordinal());
    return new Condition(
        Verdict.READY,
        Condition.Status.FALSE,
        stage.reason(),
        failing.conditionType() + ": " + stage.message());
  }

  private static Figures figures(PipelineSnapshot snapshot, Instant now) {
    SourceObservation source = snapshot.source().value();
    CaptureObservation capture = snapshot.capture().value();
    TransportObservation transport = snapshot.transport().value();
    ProcessingObservation processing = snapshot.processing().value();
    SinkObservation sink = snapshot.sink().value();
    return new Figures(
        source == null || !source.exists() ? null : source.retainedWalBytes(),
        capture == null
            ? null
            : (int) capture.tasks().stream().filter(t -> "RUNNING".equals(t.state())).count(),
        transport == null || transport.brokers() == TransportObservation.UNKNOWN
            ? null
            : transport.brokers(),
        processing == null || processing.jobState() == null
            ? null
            : ProcessingCheck.checkpointAge(processing, now),
        processing == null ? null : processing.consumerLag(),
        sink == null || sink.newestHeartbeat() == null ? null : SinkCheck.freshness(sink, now),
        sink == null ? null : sink.unappliedCount(),
        sink == null || sink.verified().isEmpty()
            ? null
            : sink.verified().get(0).tablesDiffering());
  }
}
