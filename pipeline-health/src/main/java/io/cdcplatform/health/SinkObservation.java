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
 * @param verified the newest continuous verification rounds that compared the tables (outcome equal
 *     or differing), newest first, at most two
 */
public record SinkObservation(
    String table,
    Instant newestHeartbeat,
    Long unappliedCount,
    List<UnappliedEntry> unapplied,
    List<ContinuousVerifier.Round> verified) {

  public SinkObservation {
    unapplied = List.copyOf(unapplied);
    verified = List.copyOf(verified);
  }

  /** Tables not verified yet. */
  public SinkObservation(
      String table, Instant newestHeartbeat, Long unappliedCount, List<UnappliedEntry> unapplied) {
    this(table, newestHeartbeat, unappliedCount, unapplied, List.of());
  }

  /** Tables with an empty ledger. */
  public SinkObservation(String table, Instant newestHeartbeat) {
    this(table, newestHeartbeat, 0L, List.of());
  }

  /**
   * The drift continuous verification found: the newest round that compared the tables, when it and
   * the one before both found a table different from its oracle; empty otherwise.
   */
  public java.util.Optional<ContinuousVerifier.Round> drift() {
    if (verified.size() < 2
        || verified.stream().anyMatch(r -> r.outcome() != ContinuousVerifier.Outcome.DIFFERING)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(verified.get(0));
  }
}
