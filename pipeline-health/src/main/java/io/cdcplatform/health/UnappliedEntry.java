package io.cdcplatform.health;

import java.time.Instant;

/**
 * One entry of the ledger of what the pipeline could not apply ({@code analytics.unapplied}).
 *
 * @param subject the table that is wrong: an analytics table, or a captured table whose analytics
 *     miss a change
 * @param item which change ({@code topic/partition@offset}) or group (its key)
 * @param kind {@code change-not-applied} or {@code result-not-stored}
 * @param reason why, as the stage that found it said
 * @param recovery what to do about it
 * @param noticedAt when it was entered
 */
public record UnappliedEntry(
    String subject, String item, String kind, String reason, String recovery, Instant noticedAt) {

  public static final String CHANGE_NOT_APPLIED = "change-not-applied";
  public static final String RESULT_NOT_STORED = "result-not-stored";
}
