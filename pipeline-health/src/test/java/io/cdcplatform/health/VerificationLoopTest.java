package io.cdcplatform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerificationLoopTest {

  @Test
  void eachOutcomeIsOneLineSayingWhatTheRoundFound() {
    assertThat(
            VerificationLoop.describe(
                new ContinuousVerifier.Round(
                    3, ContinuousVerifier.Outcome.EQUAL, "0/1A2B", 812, 3, 0, "")))
        .isEqualTo(
            "verification: round 3 equal at LSN 0/1A2B, through transaction 812: 3 tables equal"
                + " to their oracles");
    assertThat(
            VerificationLoop.describe(
                new ContinuousVerifier.Round(
                    4,
                    ContinuousVerifier.Outcome.DIFFERING,
                    "0/1B00",
                    900,
                    3,
                    2,
                    "analytics.a: 1 rows differ, table  (x,1)\nanalytics.b: 1 rows differ,"
                        + " oracle (y,2)")))
        .isEqualTo(
            "verification: round 4 differing at LSN 0/1B00, through transaction 900: 2 of 3"
                + " tables differ: analytics.a: 1 rows differ, table  (x,1) analytics.b: 1 rows"
                + " differ, oracle (y,2)");
    assertThat(
            VerificationLoop.describe(
                new ContinuousVerifier.Round(
                    5,
                    ContinuousVerifier.Outcome.MISSED,
                    "0/1C00",
                    0,
                    0,
                    0,
                    "the job made no cut for the round within 8000 ms")))
        .isEqualTo(
            "verification: round 5 missed at LSN 0/1C00: the job made no cut for the round within"
                + " 8000 ms");
  }

  @Test
  void aPauseThatIsNotPositiveIsRefused() {
    VerificationLoop loop =
        new VerificationLoop(
            new ContinuousVerifier(
                "jdbc:postgresql://127.0.0.1:1/x",
                "u",
                "p",
                "shop",
                "shop.heartbeat",
                List.of(),
                Duration.ofSeconds(1)),
            line -> {});
    assertThatThrownBy(() -> loop.start(Duration.ZERO))
        .hasMessage("continuous verification: expected a positive pause between rounds, got PT0S");
    loop.close();
  }
}
