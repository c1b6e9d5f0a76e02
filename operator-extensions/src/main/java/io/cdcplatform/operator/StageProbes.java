package io.cdcplatform.operator;

import io.cdcplatform.health.Observed;
import io.cdcplatform.health.ProcessingObservation;
import io.cdcplatform.health.SinkObservation;
import io.cdcplatform.health.SourceObservation;
import io.cdcplatform.health.TransportObservation;
import io.cdcplatform.operator.api.CdcPipeline;
import io.cdcplatform.operator.api.CdcPipelineSpec;

/**
 * What the reconciler learns over the network rather than from the operators' resources: the
 * replication slot, the brokers and partitions, the job's checkpoints and lag, the freshness table.
 * Kept behind an interface so the reconciler's tests can play these stages.
 */
public interface StageProbes extends AutoCloseable {

  Observed<SourceObservation> slot(CdcPipeline pipeline);

  /** Brokers and partitions; the Kafka resource's readiness is added by the observer. */
  Observed<TransportObservation> kafka(CdcPipeline pipeline);

  /**
   * The job's state, checkpoints and consumer lag; the FlinkDeployment is added by the observer.
   */
  Observed<ProcessingObservation> job(CdcPipeline pipeline);

  Observed<SinkObservation> freshness(CdcPipeline pipeline);

  /**
   * Starts, keeps or stops the pipeline's continuous verification as its spec says.
   *
   * @return the line for its status; null when the spec does not ask for verification
   */
  default String verification(CdcPipeline pipeline, CdcPipelineSpec spec) {
    return null;
  }

  /**
   * Releases the pipeline's replication slot, lost or asked to be re-snapshotted, as its spec's
   * capture role: marks the new snapshot in the heartbeat row of the definition it names (clearing
   * any request) and drops the slot. Nothing is released while the connector does not capture every
   * table of the definition yet: the new snapshot would miss the tables it does not.
   *
   * @param capturing the tables the KafkaConnector's {@code table.include.list} names
   * @return what was done, one line
   * @throws ProbeException when it cannot be done, naming why
   */
  default String releaseLostSlot(
      CdcPipeline pipeline, CdcPipelineSpec spec, java.util.Set<String> capturing) {
    throw new io.cdcplatform.health.ProbeException("this reconciler cannot release slots");
  }

  /**
   * The WAL position at which source-setup asked for a new snapshot (a table was added to the
   * definition), read as the spec's capture role; empty when nothing is asked.
   *
   * @throws ProbeException when the heartbeat row cannot be read, naming why
   */
  default java.util.OptionalLong resnapshotRequested(CdcPipeline pipeline, CdcPipelineSpec spec) {
    return java.util.OptionalLong.empty();
  }

  /** Forgets every pipeline not among {@code keys} ({@code namespace/name}): they are gone. */
  default void retain(java.util.Set<String> keys) {}

  @Override
  default void close() {}
}
