package io.cdcplatform.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

class WindowMarkerTest {

  @Test
  void aWindowClosesAtItsStartPlusSizePlusTheAllowedLatenessInUtc() {
    LocalDateTime minute = LocalDateTime.parse("2026-11-24T10:15:00");
    Duration size = Duration.ofMinutes(1);

    assertThat(WindowMarker.closesAt(minute, size, Duration.ofSeconds(10)))
        .isEqualTo(Instant.parse("2026-11-24T10:16:10Z").toEpochMilli());
    assertThat(WindowMarker.closesAt(minute, size, Duration.ZERO))
        .isEqualTo(Instant.parse("2026-11-24T10:16:00Z").toEpochMilli());
    assertThat(
            WindowMarker.closesAt(
                Instant.parse("2026-11-24T10:15:00Z"), Duration.ofHours(1), Duration.ZERO))
        .isEqualTo(Instant.parse("2026-11-24T11:15:00Z").toEpochMilli());
    assertThat(
            WindowMarker.closesAt(
                LocalDate.parse("1969-12-31"), Duration.ofDays(1), Duration.ofMinutes(5)))
        .isEqualTo(Instant.parse("1970-01-01T00:05:00Z").toEpochMilli());
  }

  @Test
  void rowsOfOneGroupShareAKeyWhateverTheirValues() {
    LocalDateTime minute = LocalDateTime.parse("2026-11-24T10:15:00");
    List<Integer> key = List.of(0, 1);

    assertThat(WindowMarker.key(key, Row.of("home", minute, 1L)))
        .isEqualTo(WindowMarker.key(key, Row.of("home", minute, 9L)))
        .isNotEqualTo(WindowMarker.key(key, Row.of("garden", minute, 1L)));
    // Values that would run together when concatenated stay apart.
    assertThat(WindowMarker.key(key, Row.of("a|b", "c", 1L)))
        .isNotEqualTo(WindowMarker.key(key, Row.of("a", "b|c", 1L)));
    // NULL is not the text "null".
    assertThat(WindowMarker.key(key, Row.of("null", minute, 1L)))
        .isNotEqualTo(WindowMarker.key(key, Row.of(null, minute, 1L)));
  }
}
