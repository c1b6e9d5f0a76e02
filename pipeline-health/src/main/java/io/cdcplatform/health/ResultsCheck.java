package io.cdcplatform.health;

import java.util.List;

/**
 * Judges whether the analytics tables are known to be exact: the ledger of what the pipeline could
 * not apply must be empty. A change that was not applied is named before a result that was not
 * stored: it does not heal by itself.
 */
final class ResultsCheck {

  private ResultsCheck() {}

  static Condition evaluate(SinkObservation sink) {
    String ledger = ledger(sink.table());
    if (sink.unappliedCount() == null) {
      return new Condition(
          Stage.RESULTS.conditionType(),
          Condition.Status.UNKNOWN,
          Reason.LEDGER_MISSING,
          ledger + " does not exist yet: the analytics job creates it when it starts");
    }
    if (sink.unappliedCount() == 0) {
      java.util.Optional<ContinuousVerifier.Round> drift = sink.drift();
      if (drift.isPresent()) {
        return Condition.failing(
            Stage.RESULTS, Reason.RESULTS_DRIFT, drift(sink.verified().get(1), drift.get()));
      }
      return Condition.healthy(
          Stage.RESULTS,
          Reason.RESULTS_EXACT,
          "every change was applied and every result stored ("
              + ledger
              + " is empty)"
              + verified(sink));
    }
    List<UnappliedEntry> changes =
        sink.unapplied().stream()
            .filter(e -> UnappliedEntry.CHANGE_NOT_APPLIED.equals(e.kind()))
            .toList();
    UnappliedEntry first = changes.isEmpty() ? sink.unapplied().get(0) : changes.get(0);
    boolean change = UnappliedEntry.CHANGE_NOT_APPLIED.equals(first.kind());
    long others = sink.unappliedCount() - 1;
    String message =
        (change
                ? first.subject() + " has a change that was not applied, " + first.item()
                : first.subject() + " could not store the result of group " + first.item())
            + ": "
            + first.reason()
            + ". "
            + first.recovery()
            + (others == 0 ? "" : " (" + others + " more in " + ledger + ")");
    return Condition.failing(
        Stage.RESULTS, change ? Reason.CHANGES_NOT_APPLIED : Reason.RESULTS_NOT_STORED, message);
  }

  private static String drift(ContinuousVerifier.Round before, ContinuousVerifier.Round round) {
    String detail = round.detail();
    int line = detail.indexOf('\n');
    String first = line < 0 ? detail : detail.substring(0, line);
    if (first.length() > DETAIL_LIMIT) {
      first = first.substring(0, DETAIL_LIMIT) + "...";
    }
    return "continuous verification rounds "
        + before.round()
        + " and "
        + round.round()
        + " found "
        + round.tablesDiffering()
        + " of "
        + round.tablesCompared()
        + " tables different from their oracles at a source commit the tables had fully passed"
        + " (LSN "
        + round.snapshotLsn()
        + ", through transaction "
        + round.txId()
        + "): "
        + first
        + ". Only the analytics job writes these tables: find what else did; a later change of"
        + " a group corrects it, a rebuild from a new snapshot corrects all (docs/analytics.md,"
        + " Continuous verification). The condition clears at the first round that finds every"
        + " table equal";
  }

  private static String verified(SinkObservation sink) {
    if (sink.verified().isEmpty()) {
      return "";
    }
    ContinuousVerifier.Round newest = sink.verified().get(0);
    return newest.outcome() == ContinuousVerifier.Outcome.EQUAL
        ? "; continuous verification round "
            + newest.round()
            + " found all "
            + newest.tablesCompared()
            + " tables equal to their oracles at LSN "
            + newest.snapshotLsn()
        : "; continuous verification round "
            + newest.round()
            + " found a difference, which the next round confirms or clears";
  }

  /** How much of a drift's detail the condition's message carries. */
  private static final int DETAIL_LIMIT = 400;

  /** The ledger's name: {@code unapplied} beside the heartbeat table. */
  static String ledger(String freshnessTable) {
    int dot = freshnessTable.indexOf('.');
    return freshnessTable.substring(0, dot + 1) + "unapplied";
  }
}
