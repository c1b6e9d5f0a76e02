package io.cdcplatform.health;

import java.time.Duration;
import java.time.Instant;

/** Judges the analytics tables by the age of the newest heartbeat that reached them. */
final class SinkCheck {

  private SinkCheck() {}

  static Condition evaluate(SinkObservation sink, Slo slo, Instant now) {
    if (sink.newestHeartbeat() == null) {
      return Condition.failing(
          Stage.SINK, Reason.NO_HEARTBEAT, "no heartbeat has reached " + sink.table() + " yet");
    }
    Duration freshness = freshness(sink, now);
    if (freshness.compareTo(slo.maxFreshness()) > 0) {
      return Condition.failing(
          Stage.SINK,
          Reason.FRESHNESS_ABOVE_SLO,
          sink.table()
              + " trails the source by "
              + Sizes.duration(freshness)
              + ", above the SLO of "
              + Sizes.duration(slo.maxFreshness()));
    }
    return Condition.healthy(
        Stage.SINK,
        Reason.FRESH,
        sink.table() + " trails the source by " + Sizes.duration(freshness));
  }

  /** How far the tables trail the source; zero when the clocks disagree the other way. */
  static Duration freshness(SinkObservation sink, Instant now) {
    Duration age = Duration.between(sink.newestHeartbeat(), now);
    return age.isNegative() ? Duration.ZERO : age;
  }
}
