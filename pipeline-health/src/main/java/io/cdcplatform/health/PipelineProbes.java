package io.cdcplatform.health;

import java.util.Map;

/**
 * Every probe of a pipeline that runs without an operator ({@code make demo}), put together into
 * one snapshot. On Kubernetes the reconciler uses the same probes and adds what the operators
 * report on their resources.
 */
public final class PipelineProbes implements AutoCloseable {

  /** Where each stage answers and what it is called. */
  public record Targets(
      String jdbcUrl,
      String user,
      String password,
      String slot,
      Map<String, Object> kafkaClient,
      String kafkaCluster,
      int expectedBrokers,
      String connectUrl,
      String connector,
      String flinkUrl,
      String job,
      String consumerGroup) {}

  private final Targets targets;
  private final PostgresProbe postgres;
  private final KafkaProbe kafka;
  private final ConnectProbe connect;
  private final FlinkProbe flink;

  public PipelineProbes(Targets targets) {
    this.targets = targets;
    this.postgres =
        new PostgresProbe(
            targets.jdbcUrl(), targets.user(), targets.password(), PostgresProbe.FRESHNESS_TABLE);
    this.kafka = new KafkaProbe(targets.kafkaClient());
    this.connect = new ConnectProbe(targets.connectUrl(), targets.connector());
    this.flink = new FlinkProbe(targets.flinkUrl(), targets.job());
  }

  public PipelineSnapshot snapshot(Slo slo) {
    return new PipelineSnapshot(
        slo,
        postgres.observeSlot(targets.slot()),
        connect.observe(),
        kafka.observe(targets.kafkaCluster(), targets.expectedBrokers()),
        processing(),
        postgres.observeFreshness());
  }

  private Observed<ProcessingObservation> processing() {
    // Flink first: when the job is gone that is the news, not the lag.
    ProcessingObservation job;
    try {
      job = flink.job(0);
    } catch (ProbeException e) {
      return Observed.failed(e.getMessage());
    }
    return kafka.withConsumerLag(job, targets.consumerGroup());
  }

  @Override
  public void close() {
    kafka.close();
  }
}
