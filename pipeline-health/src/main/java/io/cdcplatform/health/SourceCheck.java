package io.cdcplatform.health;

/** Judges the replication slot: it exists, a client streams from it, and it holds back little. */
final class SourceCheck {

  private SourceCheck() {}

  static Condition evaluate(SourceObservation slot, Slo slo) {
    String name = "slot " + slot.slot();
    if (!slot.exists()) {
      return Condition.failing(Stage.SOURCE, Reason.SLOT_MISSING, name + " does not exist");
    }
    if ("lost".equals(slot.walStatus())) {
      return Condition.failing(
          Stage.SOURCE,
          Reason.WAL_LOST,
          name
              + " lost WAL it still needed (wal_status lost): capture must start again from a new"
              + " snapshot (stop the connector, source-setup --release-lost-slot "
              + slot.slot()
              + ", reset the connector's offsets, start it; the local launcher does it itself)");
    }
    if (!slot.active()) {
      return Condition.failing(
          Stage.SOURCE,
          Reason.SLOT_INACTIVE,
          name + " has no streaming client; it holds " + Sizes.bytes(slot.retainedWalBytes()));
    }
    if (slot.retainedWalBytes() > slo.maxRetainedWalBytes()) {
      return Condition.failing(
          Stage.SOURCE,
          Reason.RETAINED_WAL_ABOVE_SLO,
          name
              + " retains "
              + Sizes.bytes(slot.retainedWalBytes())
              + " of WAL, above the SLO of "
              + Sizes.bytes(slo.maxRetainedWalBytes()));
    }
    return Condition.healthy(
        Stage.SOURCE,
        Reason.SLOT_HEALTHY,
        name
            + " is streaming (wal_status "
            + slot.walStatus()
            + ") and retains "
            + Sizes.bytes(slot.retainedWalBytes()));
  }
}
