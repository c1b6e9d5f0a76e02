package io.cdcplatform.health;

/**
 * The stages a change passes through, in pipeline order; each has one condition type. The first
 * stage that fails is the one the summary {@code Ready} condition names.
 */
public enum Stage {
  /** PostgreSQL and its logical replication slot. */
  SOURCE("SourceReady"),
  /** Kafka Connect, the Debezium connector and its tasks. */
  CAPTURE("CaptureReady"),
  /** The Kafka cluster. */
  TRANSPORT("TransportReady"),
  /** The Flink job: its deployment, checkpoints and consumer lag. */
  PROCESSING("ProcessingReady"),
  /** The analytics tables, judged by the heartbeat that made it through. */
  SINK("SinkFresh"),
  /** The analytics tables, judged by what the pipeline knows it could not apply to them. */
  RESULTS("ResultsExact");

  private final String conditionType;

  Stage(String conditionType) {
    this.conditionType = conditionType;
  }

  /** The condition type this stage reports under, e.g. {@code CaptureReady}. */
  public String conditionType() {
    return conditionType;
  }
}
