package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The verdict on the pipeline, written by the reconciler. The figures behind it (slot lag, consumer
 * lag, checkpoint age) move on every look, so they are metrics, not status; only freshness, whole
 * seconds, is kept here for {@code kubectl get}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CdcPipelineStatus {

  @JsonPropertyDescription("The metadata.generation this status was reached for.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "One condition per stage (SourceReady, CaptureReady, TransportReady, ProcessingReady,"
          + " SinkFresh, ResultsExact), then Ready, whose reason is that of the failing stage.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The condition type of the stage Ready blames; absent when Ready.")
  private String failingStage;

  @JsonPropertyDescription(
      "How far the analytics tables trail the source, in whole seconds, e.g. 3s.")
  private String freshness;

  @JsonPropertyDescription(
      "Continuous verification, when the spec asks for it: how often, and the newest round's"
          + " outcome, or why no round runs (a missing Secret, a failing round's cause).")
  private String verification;

  @JsonPropertyDescription(
      "The re-snapshot after a lost replication slot, when the spec asks the reconciler for it:"
          + " the step under way and how many were completed.")
  private ResnapshotStatus resnapshot;

  public ResnapshotStatus getResnapshot() {
    return resnapshot;
  }

  public void setResnapshot(ResnapshotStatus resnapshot) {
    this.resnapshot = resnapshot;
  }

  public String getVerification() {
    return verification;
  }

  public void setVerification(String verification) {
    this.verification = verification;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getFailingStage() {
    return failingStage;
  }

  public void setFailingStage(String failingStage) {
    this.failingStage = failingStage;
  }

  public String getFreshness() {
    return freshness;
  }

  public void setFreshness(String freshness) {
    this.freshness = freshness;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CdcPipelineStatus that
        && Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(conditions, that.conditions)
        && Objects.equals(failingStage, that.failingStage)
        && Objects.equals(freshness, that.freshness)
        && Objects.equals(verification, that.verification)
        && Objects.equals(resnapshot, that.resnapshot);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration, conditions, failingStage, freshness, verification, resnapshot);
  }
}
