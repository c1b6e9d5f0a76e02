package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AnalyticsBenchmarkTest {

  @Test
  void aBacklogSampleThatCouldNotBeReadIsCountedAndNamedNeverTakenAsABacklog() {
    assertThat(AnalyticsBenchmark.backlogFigure(OptionalLong.of(491), 15, 0, null))
        .isEqualTo("at most 491 records over the second half (15 samples)");
    assertThat(AnalyticsBenchmark.backlogFigure(OptionalLong.of(491), 14, 1, "timed out"))
        .isEqualTo(
            "at most 491 records over the second half (14 samples); 1 samples of the run unread,"
                + " the first: timed out");
    assertThat(AnalyticsBenchmark.backlogFigure(OptionalLong.empty(), 0, 30, "timed out"))
        .startsWith("not read over the second half; 30 samples");
  }
}
