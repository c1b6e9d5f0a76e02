package io.cdcplatform.health;

import java.time.Duration;

/**
 * The service levels the pipeline is judged against.
 *
 * @param maxFreshness how far the analytics tables may trail the source
 * @param maxRetainedWalBytes how much WAL the replication slot may hold back
 * @param maxCheckpointAge how old the job's newest completed checkpoint may be
 * @param maxConsumerLag how many records the job may be behind its topics
 */
public record Slo(
    Duration maxFreshness,
    long maxRetainedWalBytes,
    Duration maxCheckpointAge,
    long maxConsumerLag) {

  /** The defaults of the chart's CdcPipeline and of {@code make demo}. */
  public static final Slo DEFAULT =
      new Slo(Duration.ofSeconds(30), 256L << 20, Duration.ofSeconds(60), 50_000);

  public Slo {
    if (maxFreshness.isNegative() || maxFreshness.isZero()) {
      throw new IllegalArgumentException(
          "maxFreshness: expected a positive duration, got " + maxFreshness);
    }
    if (maxCheckpointAge.isNegative() || maxCheckpointAge.isZero()) {
      throw new IllegalArgumentException(
          "maxCheckpointAge: expected a positive duration, got " + maxCheckpointAge);
    }
    if (maxRetainedWalBytes <= 0) {
      throw new IllegalArgumentException(
          "maxRetainedWalBytes: expected a positive number of bytes, got " + maxRetainedWalBytes);
    }
    if (maxConsumerLag < 0) {
      throw new IllegalArgumentException(
          "maxConsumerLag: expected zero or more records, got " + maxConsumerLag);
    }
  }
}
