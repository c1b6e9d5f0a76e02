package io.cdcplatform.health;

import java.time.Instant;

/**
 * The analytics job as Flink's REST API, its consumer group and its FlinkDeployment show it.
 *
 * @param job the job name
 * @param jobState {@code RUNNING}, {@code RESTARTING}, {@code FAILED}, ...; null when no job of
 *     that name runs
 * @param jobStart when the job (this attempt) started, null when unknown
 * @param lastCheckpoint when the newest completed checkpoint finished, null when none has
 * @param consumerLag records the job's consumer group is behind the end of its topics
 * @param deployment the FlinkDeployment's state, null without an operator
 * @param lastFailure when the job is not RUNNING, its newest failure as Flink's exception history
 *     keeps it (when, in which task, the root cause); null when running or unknown
 */
public record ProcessingObservation(
    String job,
    String jobState,
    Instant jobStart,
    Instant lastCheckpoint,
    long consumerLag,
    Deployment deployment,
    String lastFailure) {

  /** A job seen without its failure history. */
  public ProcessingObservation(
      String job,
      String jobState,
      Instant jobStart,
      Instant lastCheckpoint,
      long consumerLag,
      Deployment deployment) {
    this(job, jobState, jobStart, lastCheckpoint, consumerLag, deployment, null);
  }

  public ProcessingObservation withConsumerLag(long lag) {
    return new ProcessingObservation(
        job, jobState, jobStart, lastCheckpoint, lag, deployment, lastFailure);
  }

  public ProcessingObservation withDeployment(Deployment flinkDeployment) {
    return new ProcessingObservation(
        job, jobState, jobStart, lastCheckpoint, consumerLag, flinkDeployment, lastFailure);
  }

  /**
   * The FlinkDeployment's status as the Flink Kubernetes Operator wrote it.
   *
   * @param name the FlinkDeployment's name
   * @param exists whether it exists; the other fields mean nothing when it does not
   * @param lifecycleState {@code STABLE}, {@code DEPLOYED}, {@code UPGRADING}, {@code FAILED}, ...
   * @param jobManagerStatus {@code READY}, {@code DEPLOYING}, {@code MISSING}, {@code ERROR}, ...
   * @param error the operator's error message, or empty
   * @param generation {@code metadata.generation}
   * @param observedGeneration the generation the operator last reconciled
   */
  public record Deployment(
      String name,
      boolean exists,
      String lifecycleState,
      String jobManagerStatus,
      String error,
      long generation,
      long observedGeneration) {

    public static Deployment missing(String name) {
      return new Deployment(name, false, "", "", "", 0, 0);
    }
  }
}
