package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class WindowMarkerTest {

  @Test
  void aMinuteClosesAtItsEndPlusTheAllowedLatenessInUtc() {
    LocalDateTime minute = LocalDateTime.parse("2026-11-24T10:15:00");

    assertThat(WindowMarker.closesAt(minute, Duration.ofSeconds(10)))
        .isEqualTo(Instant.parse("2026-11-24T10:16:10Z").toEpochMilli());
    assertThat(WindowMarker.closesAt(minute, Duration.ZERO))
        .isEqualTo(Instant.parse("2026-11-24T10:16:00Z").toEpochMilli());
  }

  @Test
  void rowsOfOneCategoryAndMinuteShareAKey() {
    LocalDateTime minute = LocalDateTime.parse("2026-11-24T10:15:00");

    assertThat(WindowMarker.key(Row.of("home", minute, 1L)))
        .isEqualTo(WindowMarker.key(Row.of("home", minute, 9L)))
        .isNotEqualTo(WindowMarker.key(Row.of("garden", minute, 1L)));
  }
}
