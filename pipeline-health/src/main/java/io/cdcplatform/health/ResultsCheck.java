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
      return Condition.healthy(
          Stage.RESULTS,
          Reason.RESULTS_EXACT,
          "every change was applied and every result stored (" + ledger + " is empty)");
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

  /** The ledger's name: {@code unapplied} beside the heartbeat table. */
  static String ledger(String freshnessTable) {
    int dot = freshnessTable.indexOf('.');
    return freshnessTable.substring(0, dot + 1) + "unapplied";
  }
}
