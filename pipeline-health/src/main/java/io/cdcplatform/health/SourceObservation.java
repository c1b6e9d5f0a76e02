package io.cdcplatform.health;

/**
 * The logical replication slot the connector streams from ({@code pg_replication_slots}).
 *
 * @param slot the slot name
 * @param exists whether the slot exists; the other fields mean nothing when it does not
 * @param active whether a client is streaming from it
 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}
 * @param retainedWalBytes WAL between the slot's restart_lsn and the current WAL position
 */
public record SourceObservation(
    String slot, boolean exists, boolean active, String walStatus, long retainedWalBytes) {

  public static SourceObservation missing(String slot) {
    return new SourceObservation(slot, false, false, "", 0);
  }
}
