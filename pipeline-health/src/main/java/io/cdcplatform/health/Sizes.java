package io.cdcplatform.health;

import java.time.Duration;
import java.util.Locale;

/** Human-readable byte counts and durations for condition messages. */
final class Sizes {

  private Sizes() {}

  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  static String duration(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 10_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    return (millis / 1000) + " s";
  }
}
