package io.cdcplatform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SloSettingsTest {

  @Test
  void readsKubernetesStyleDurationsAndSizes() {
    Slo slo =
        SloSettings.parse(
            Map.of(
                "maxFreshness", "500ms",
                "maxRetainedWal", "256Mi",
                "maxCheckpointAge", "2m",
                "maxConsumerLag", "0"));

    assertThat(slo)
        .isEqualTo(new Slo(Duration.ofMillis(500), 256L << 20, Duration.ofMinutes(2), 0));
  }

  @Test
  void leftOutKeysKeepTheDefaults() {
    assertThat(SloSettings.parse(Map.of("maxRetainedWal", "1048576")))
        .isEqualTo(
            new Slo(
                Slo.DEFAULT.maxFreshness(),
                1 << 20,
                Slo.DEFAULT.maxCheckpointAge(),
                Slo.DEFAULT.maxConsumerLag()));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "maxFreshness | 30 | slo.maxFreshness: expected a positive duration such as 500ms, 30s, 2m or 1h, got \"30\"",
        "maxFreshness | 0s | slo.maxFreshness: expected a positive duration such as 500ms, 30s, 2m or 1h, got \"0s\"",
        "maxRetainedWal | 256MB | slo.maxRetainedWal: expected a positive size such as 1048576, 512Ki, 256Mi or 2Gi, got \"256MB\"",
        "maxConsumerLag | -1 | slo.maxConsumerLag: expected a whole number of records, 0 or more, got \"-1\"",
        "maxLag | 5 | slo.maxLag: unknown setting; expected one of maxCheckpointAge, maxConsumerLag, maxFreshness, maxRetainedWal"
      })
  void badValuesAreRejectedNamingTheKey(String key, String value, String message) {
    assertThatThrownBy(() -> SloSettings.parse(Map.of(key, value))).hasMessage(message);
  }
}
