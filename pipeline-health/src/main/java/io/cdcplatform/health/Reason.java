package io.cdcplatform.health;

/**
 * Every reason a condition can carry: a closed set, so alerts and dashboards can match on them. The
 * reason string is the constant's CamelCase form ({@code SLOT_INACTIVE} → {@code SlotInactive}), as
 * Kubernetes conventions ask.
 */
public enum Reason {
  // Any stage.
  /** The probe of the stage could not reach it (connection refused, timeout, bad answer). */
  UNREACHABLE,

  // SourceReady.
  /** The slot exists, is streaming, and retains less WAL than the SLO allows. */
  SLOT_HEALTHY,
  /** No replication slot of the configured name. */
  SLOT_MISSING,
  /** The slot exists but no client is streaming from it. */
  SLOT_INACTIVE,
  /** PostgreSQL removed WAL the slot still needed ({@code wal_status = lost}). */
  WAL_LOST,
  /** The slot holds more WAL than its SLO allows. */
  RETAINED_WAL_ABOVE_SLO,

  // CaptureReady.
  /** The connector and every task are RUNNING. */
  CONNECTOR_RUNNING,
  /** Connect does not know the connector. */
  CONNECTOR_MISSING,
  /** The connector is PAUSED, STOPPED, FAILED or UNASSIGNED. */
  CONNECTOR_NOT_RUNNING,
  /** The connector runs but has no tasks. */
  NO_TASKS,
  /** A task is not RUNNING. */
  TASK_NOT_RUNNING,
  /**
   * The connector or a task is FAILED and the operator has used up its automatic restarts: it will
   * not heal by itself.
   */
  RESTARTS_EXHAUSTED,

  // TransportReady.
  /** All brokers are up and every partition is fully replicated. */
  CLUSTER_HEALTHY,
  /** Fewer brokers than expected are registered. */
  BROKERS_MISSING,
  /** A partition has no leader. */
  OFFLINE_PARTITIONS,
  /** A partition has fewer in-sync replicas than replicas. */
  UNDER_REPLICATED_PARTITIONS,

  // ProcessingReady.
  /** The FlinkDeployment is not STABLE (deploying, upgrading, rolling back, failed). */
  DEPLOYMENT_NOT_STABLE,
  /** The job runs, checkpoints on time and keeps up with its input. */
  JOB_RUNNING,
  /** The FlinkDeployment's JobManager is not ready. */
  JOB_MANAGER_NOT_READY,
  /** The job is not RUNNING (created, restarting, failing, failed, cancelled, missing). */
  JOB_NOT_RUNNING,
  /** The job has completed no checkpoint yet and has run longer than the checkpoint SLO. */
  NO_CHECKPOINT,
  /** The newest completed checkpoint is older than its SLO. */
  CHECKPOINT_TOO_OLD,
  /** The job's consumer group is further behind the topics than its SLO allows. */
  CONSUMER_LAG_ABOVE_SLO,

  // SinkFresh.
  /** The newest heartbeat in the analytics tables is within the freshness SLO. */
  FRESH,
  /** No heartbeat has reached the analytics tables yet. */
  NO_HEARTBEAT,
  /** The newest heartbeat in the analytics tables is older than the freshness SLO. */
  FRESHNESS_ABOVE_SLO,

  // ResultsExact.
  /** The ledger of what could not be applied is empty. */
  RESULTS_EXACT,
  /** A change of a captured table could not be applied: the analytics over it miss it. */
  CHANGES_NOT_APPLIED,
  /** An analytics table refused a group's result: the group is left out of it. */
  RESULTS_NOT_STORED,
  /**
   * Two continuous verification rounds in a row found an analytics table different from its oracle
   * at a source commit the tables were proven to reflect.
   */
  RESULTS_DRIFT,
  /** The ledger does not exist yet (the analytics job has not started). */
  LEDGER_MISSING,

  // Any operator-managed resource.
  /** A resource the CdcPipeline references does not exist. */
  RESOURCE_MISSING,
  /** The operator's custom resource is not Ready. */
  RESOURCE_NOT_READY,
  /** The operator has not yet acted on the resource's current spec (observedGeneration lags). */
  GENERATION_NOT_OBSERVED,

  // Ready, before any stage is judged.
  /** The CdcPipeline's spec holds a value the reconciler cannot use; the message names it. */
  SPEC_INVALID,

  // Ready.
  /** Every stage is healthy: changes flow from the source table to the analytics tables. */
  PIPELINE_FLOWING;

  /** The reason as conditions carry it, e.g. {@code SlotInactive}. */
  public String camelCase() {
    StringBuilder out = new StringBuilder();
    for (String word : name().split("_")) {
      out.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return camelCase();
  }
}
