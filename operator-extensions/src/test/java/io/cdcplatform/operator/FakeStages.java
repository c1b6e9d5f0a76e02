package io.cdcplatform.operator;

import io.cdcplatform.health.Observed;
import io.cdcplatform.health.ProcessingObservation;
import io.cdcplatform.health.SinkObservation;
import io.cdcplatform.health.SourceObservation;
import io.cdcplatform.health.TransportObservation;
import io.cdcplatform.health.UnappliedEntry;
import io.cdcplatform.operator.api.CdcPipeline;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Plays the stages the reconciler probes over the network (PostgreSQL, the brokers, the
 * JobManager), healthy until a test breaks one. Times are relative to the test's clock, so a
 * healthy pipeline's figures stay the same from one look to the next.
 */
final class FakeStages implements StageProbes {

  /** The tables the definition captures, as the connector fixture's configuration names them. */
  static final java.util.Set<String> CAPTURED =
      java.util.Set.of("shop.customers", "shop.products", "shop.orders");

  private final Clock clock;
  volatile long retainedWalBytes;
  volatile String walStatus;
  volatile boolean slotExists;
  volatile int slotsReleased;
  volatile String releaseRefusal;

  /** The WAL position at which source-setup asked for a new snapshot; null: none asked. */
  volatile Long requested;

  final java.util.concurrent.atomic.AtomicInteger requestReads =
      new java.util.concurrent.atomic.AtomicInteger();

  volatile int brokers;
  volatile List<String> underReplicated;
  volatile String jobState;
  volatile Duration checkpointAge;
  volatile long consumerLag;
  volatile Duration freshness;
  volatile String unreachable;
  volatile List<UnappliedEntry> unapplied;
  volatile String verification;
  volatile java.util.Set<String> retained = java.util.Set.of();

  FakeStages(Clock clock) {
    this.clock = clock;
    heal();
  }

  void heal() {
    retainedWalBytes = 512 * 1024;
    walStatus = "reserved";
    slotExists = true;
    releaseRefusal = null;
    requested = null;
    slotsReleased = 0;
    brokers = 3;
    underReplicated = List.of();
    jobState = "RUNNING";
    checkpointAge = Duration.ofSeconds(1);
    consumerLag = 40;
    freshness = Duration.ofSeconds(2);
    unreachable = null;
    unapplied = List.of();
    verification = null;
  }

  @Override
  public String verification(
      CdcPipeline pipeline, io.cdcplatform.operator.api.CdcPipelineSpec spec) {
    return verification;
  }

  @Override
  public void retain(java.util.Set<String> keys) {
    retained = keys;
  }

  @Override
  public Observed<SourceObservation> slot(CdcPipeline pipeline) {
    return Observed.of(
        slotExists
            ? new SourceObservation(
                "cdc_debezium", true, !walStatus.equals("lost"), walStatus, retainedWalBytes)
            : SourceObservation.missing("cdc_debezium"));
  }

  @Override
  public java.util.OptionalLong resnapshotRequested(
      CdcPipeline pipeline, io.cdcplatform.operator.api.CdcPipelineSpec spec) {
    requestReads.incrementAndGet();
    Long asked = requested;
    return asked == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(asked);
  }

  /**
   * Plays LostSlot: refuses while {@code releaseRefusal} is set, else drops the slot if it is lost
   * or a new snapshot is asked, clearing the request.
   */
  @Override
  public String releaseLostSlot(
      CdcPipeline pipeline,
      io.cdcplatform.operator.api.CdcPipelineSpec spec,
      java.util.Set<String> capturing) {
    if (!capturing.containsAll(CAPTURED)) {
      throw new io.cdcplatform.health.ProbeException(
          "connector cdc-source does not capture every table yet: " + capturing);
    }
    if (releaseRefusal != null) {
      throw new io.cdcplatform.health.ProbeException(releaseRefusal);
    }
    if (!slotExists || (!walStatus.equals("lost") && requested == null)) {
      throw new io.cdcplatform.health.ProbeException(
          "replication slot cdc_debezium is not lost and no new snapshot is asked for");
    }
    slotExists = false;
    requested = null;
    slotsReleased++;
    return "replication slot cdc_debezium released";
  }

  @Override
  public Observed<TransportObservation> kafka(CdcPipeline pipeline) {
    return Observed.of(
        new TransportObservation("cdc", 3, brokers, List.of(), underReplicated, null));
  }

  @Override
  public Observed<ProcessingObservation> job(CdcPipeline pipeline) {
    if (unreachable != null) {
      return Observed.failed(unreachable);
    }
    return Observed.of(
        new ProcessingObservation(
            "cdc-analytics",
            jobState,
            clock.instant().minusSeconds(600),
            clock.instant().minus(checkpointAge),
            consumerLag,
            null));
  }

  @Override
  public Observed<SinkObservation> freshness(CdcPipeline pipeline) {
    return Observed.of(
        new SinkObservation(
            "analytics.freshness",
            clock.instant().minus(freshness),
            (long) unapplied.size(),
            unapplied));
  }
}
