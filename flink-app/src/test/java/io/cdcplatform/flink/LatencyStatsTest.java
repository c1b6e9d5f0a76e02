package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

  @Test
  void percentilesAreNearestRankOverEverySample() {
    long[] samples = LongStream.rangeClosed(1, 200).map(i -> 201 - i).toArray();

    assertThat(LatencyStats.of(samples, 200)).isEqualTo(new LatencyStats(200, 100, 190, 198, 200));
  }

  @Test
  void onlyTheFilledPartOfTheBufferCounts() {
    long[] buffer = {30, 10, 20, 999, 999};

    assertThat(LatencyStats.of(buffer, 3)).isEqualTo(new LatencyStats(3, 20, 30, 30, 30));
    assertThat(LatencyStats.of(new long[] {7}, 1)).isEqualTo(new LatencyStats(1, 7, 7, 7, 7));
    assertThatThrownBy(() -> LatencyStats.of(new long[0], 0)).hasMessage("no samples");
  }
}
