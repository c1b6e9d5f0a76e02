package io.cdcplatform.health;

import java.time.Instant;
import java.util.List;

/**
 * The analytics tables: the newest heartbeat that reached them (the capture layer writes one to the
 * source every second, so its age is how far the tables trail the source), and the ledger of what
 * the pipeline knows it could not apply.
 *
 * @param table the table holding the heartbeat, e.g. {@code analytics.freshness}
 * @param newestHeartbeat the newest heartbeat's source time, null when none has arrived
 * @param unappliedCount entries in the ledger; null when the ledger does not exist yet
 * @param unapplied the oldest few entries, oldest first
 */
public record SinkObservation(
    String table, Instant newestHeartbeat, Long unappliedCount, List<UnappliedEntry> unapplied) {

  public SinkObservation {
    unapplied = List.copyOf(unapplied);
  }

  /** Tables with an empty ledger. */
  public SinkObservation(String table, Instant newestHeartbeat) {
    this(table, newestHeartbeat, 0L, List.of());
  }
}
