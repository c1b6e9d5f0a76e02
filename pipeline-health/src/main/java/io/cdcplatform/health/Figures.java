package io.cdcplatform.health;

import java.time.Duration;

/**
 * The key figure of each stage, for status lines, dashboards and metrics; a field is null when its
 * stage could not be observed.
 *
 * @param retainedWalBytes WAL the replication slot holds back
 * @param runningTasks connector tasks in RUNNING state
 * @param brokers registered Kafka brokers
 * @param checkpointAge age of the job's newest completed checkpoint
 * @param consumerLag records the job is behind its topics
 * @param freshness how far the analytics tables trail the source
 * @param unapplied entries in the ledger of what could not be applied
 * @param tablesDiffering tables the newest continuous verification round found different from their
 *     oracles; null before a round compared them
 */
public record Figures(
    Long retainedWalBytes,
    Integer runningTasks,
    Integer brokers,
    Duration checkpointAge,
    Long consumerLag,
    Duration freshness,
    Long unapplied,
    Integer tablesDiffering) {}
