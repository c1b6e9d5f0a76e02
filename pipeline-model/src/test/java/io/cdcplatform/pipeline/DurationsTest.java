package io.cdcplatform.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({"250ms,250", "30s,30000", "5m,300000", "2h,7200000", "PT1.5S,1500", " 7s ,7000"})
  void parsesTheUsualForms(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "5 minutes", "-5s", "1d", "PTX"})
  void rejectsAnythingElseNamingTheExpectedForm(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected a duration such as 250ms, 30s, 5m or 2h, got '" + text + "'");
  }

  @ParameterizedTest
  @CsvSource({"250,250ms", "30000,30s", "300000,5m", "7200000,2h", "1500,1500ms"})
  void formatsCompactly(long millis, String text) {
    assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "0ms", "PT0S"})
  void positiveRefusesZero(String text) {
    assertThatThrownBy(() -> Durations.positive(text))
        .hasMessage(
            "expected a positive duration such as 250ms, 30s, 5m or 2h, got '" + text + "'");
  }
}
