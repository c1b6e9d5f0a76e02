package io.cdcplatform.health;

import java.time.Duration;
import java.time.Instant;

/**
 * Judges the analytics job: its deployment stable, the job RUNNING, checkpoints recent and the
 * consumer lag within its SLO.
 */
final class ProcessingCheck {

  private ProcessingCheck() {}

  static Condition evaluate(ProcessingObservation job, Slo slo, Instant now) {
    Condition deployment = deployment(job.deployment());
    if (deployment != null) {
      return deployment;
    }
    String name = "job " + job.job();
    if (!"RUNNING".equals(job.jobState())) {
      return Condition.failing(
          Stage.PROCESSING,
          Reason.JOB_NOT_RUNNING,
          name
              + (job.jobState() == null ? " is not running" : " is " + job.jobState())
              + (job.lastFailure() == null ? "" : "; its last failure, " + job.lastFailure()));
    }
    Duration age = checkpointAge(job, now);
    if (job.lastCheckpoint() == null && age.compareTo(slo.maxCheckpointAge()) > 0) {
      return Condition.failing(
          Stage.PROCESSING,
          Reason.NO_CHECKPOINT,
          name
              + " has completed no checkpoint in "
              + Sizes.duration(age)
              + ", above the SLO of "
              + Sizes.duration(slo.maxCheckpointAge()));
    }
    if (age.compareTo(slo.maxCheckpointAge()) > 0) {
      return Condition.failing(
          Stage.PROCESSING,
          Reason.CHECKPOINT_TOO_OLD,
          name
              + "'s newest checkpoint is "
              + Sizes.duration(age)
              + " old, above the SLO of "
              + Sizes.duration(slo.maxCheckpointAge()));
    }
    if (job.consumerLag() > slo.maxConsumerLag()) {
      return Condition.failing(
          Stage.PROCESSING,
          Reason.CONSUMER_LAG_ABOVE_SLO,
          name
              + " is "
              + job.consumerLag()
              + " records behind its topics, above the SLO of "
              + slo.maxConsumerLag());
    }
    return Condition.healthy(
        Stage.PROCESSING,
        Reason.JOB_RUNNING,
        name
            + " is RUNNING, newest checkpoint "
            + Sizes.duration(age)
            + " old, "
            + job.consumerLag()
            + " records behind");
  }

  /**
   * Age of the newest checkpoint; before the first one, how long the job has run without one. Zero
   * when neither is known.
   */
  static Duration checkpointAge(ProcessingObservation job, Instant now) {
    Instant since = job.lastCheckpoint() != null ? job.lastCheckpoint() : job.jobStart();
    if (since == null || since.isAfter(now)) {
      return Duration.ZERO;
    }
    return Duration.between(since, now);
  }

  private static Condition deployment(ProcessingObservation.Deployment deployment) {
    if (deployment == null) {
      return null;
    }
    String name = "FlinkDeployment/" + deployment.name();
    if (!deployment.exists()) {
      return Condition.failing(Stage.PROCESSING, Reason.RESOURCE_MISSING, name + " does not exist");
    }
    String error = deployment.error().isEmpty() ? "" : ": " + deployment.error();
    if (deployment.observedGeneration() < deployment.generation()) {
      return Condition.failing(
          Stage.PROCESSING,
          Reason.GENERATION_NOT_OBSERVED,
          name
              + " is at generation "
              + deployment.generation()
              + " but the Flink operator has only reconciled "
              + deployment.observedGeneration());
    }
    if (!"READY".equals(deployment.jobManagerStatus())) {
      return Condition.failing(
          Stage.PROCESSING,
          Reason.JOB_MANAGER_NOT_READY,
          name + "'s JobManager is " + deployment.jobManagerStatus() + error);
    }
    if (!"STABLE".equals(deployment.lifecycleState())) {
      return Condition.failing(
          Stage.PROCESSING,
          Reason.DEPLOYMENT_NOT_STABLE,
          name + " is " + deployment.lifecycleState() + error);
    }
    return null;
  }
}
