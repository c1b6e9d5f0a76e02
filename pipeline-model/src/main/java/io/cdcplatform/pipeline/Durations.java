package io.cdcplatform.pipeline;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of the platform, as people write durations: {@code 250ms}, {@code 30s},
 * {@code 5m}, {@code 2h}; ISO-8601 ({@code PT30S}) too.
 */
public final class Durations {

  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

  private Durations() {}

  /**
   * The duration a text stands for.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public static Duration parse(String text) {
    String trimmed = text.trim();
    Matcher matcher = SIMPLE.matcher(trimmed);
    try {
      if (matcher.matches()) {
        long amount = Long.parseLong(matcher.group(1));
        switch (matcher.group(2)) {
          case "ms":
            return Duration.ofMillis(amount);
          case "s":
            return Duration.ofSeconds(amount);
          case "m":
            return Duration.ofMinutes(amount);
          default:
            return Duration.ofHours(amount);
        }
      }
      if (trimmed.startsWith("P") || trimmed.startsWith("p")) {
        return Duration.parse(trimmed);
      }
    } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(expected(text), e);
    }
    throw new IllegalArgumentException(expected(text));
  }

  /**
   * A duration above zero.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public static Duration positive(String text) {
    Duration duration = parse(text);
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(
          "expected a positive duration such as 250ms, 30s, 5m or 2h, got '" + text + "'");
    }
    return duration;
  }

  private static String expected(String text) {
    return "expected a duration such as 250ms, 30s, 5m or 2h, got '" + text + "'";
  }

  /** A compact rendering, e.g. {@code 5s} or {@code 2m}. */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0 && millis != 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis != 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
