package io.cdcplatform.operator;

import io.cdcplatform.health.Observed;
import io.cdcplatform.health.ProcessingObservation;
import io.cdcplatform.health.SinkObservation;
import io.cdcplatform.health.SourceObservation;
import io.cdcplatform.health.TransportObservation;
import io.cdcplatform.operator.api.CdcPipeline;

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

  @Override
  default void close() {}
}
