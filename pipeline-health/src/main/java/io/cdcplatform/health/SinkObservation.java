package io.cdcplatform.health;

import java.time.Instant;

/**
 * The newest heartbeat in the analytics tables: the capture layer writes one to the source every
 * second, so its age is how far the tables trail the source.
 *
 * @param table the table holding it, e.g. {@code analytics.freshness}
 * @param newestHeartbeat the newest heartbeat's source time, null when none has arrived
 */
public record SinkObservation(String table, Instant newestHeartbeat) {}
