package io.cdcplatform.health;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads SLOs written the way Kubernetes users write them ({@code 30s}, {@code 256Mi}), from the
 * chart's {@code files/pipeline-slos.yaml} or a CdcPipeline's {@code spec.slo}. A bad value fails
 * with one line naming the key, what it got and what it expected.
 */
public final class SloSettings {

  public static final String MAX_FRESHNESS = "maxFreshness";
  public static final String MAX_RETAINED_WAL = "maxRetainedWal";
  public static final String MAX_CHECKPOINT_AGE = "maxCheckpointAge";
  public static final String MAX_CONSUMER_LAG = "maxConsumerLag";

  private static final Set<String> KEYS =
      Set.of(MAX_FRESHNESS, MAX_RETAINED_WAL, MAX_CHECKPOINT_AGE, MAX_CONSUMER_LAG);
  private static final Pattern QUANTITY = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti)?");

  private SloSettings() {}

  /** The SLOs of {@code settings}; a key left out keeps its value from {@link Slo#DEFAULT}. */
  public static Slo parse(Map<String, String> settings) {
    for (String key : settings.keySet()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "slo."
                + key
                + ": unknown setting; expected one of "
                + String.join(", ", KEYS.stream().sorted().toList()));
      }
    }
    Slo defaults = Slo.DEFAULT;
    return new Slo(
        duration(settings, MAX_FRESHNESS, defaults.maxFreshness()),
        bytes(settings, MAX_RETAINED_WAL, defaults.maxRetainedWalBytes()),
        duration(settings, MAX_CHECKPOINT_AGE, defaults.maxCheckpointAge()),
        count(settings, MAX_CONSUMER_LAG, defaults.maxConsumerLag()));
  }

  static Duration duration(Map<String, String> settings, String key, Duration fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return io.cdcplatform.pipeline.Durations.positive(value);
    } catch (IllegalArgumentException e) {
      throw bad(key, value, "a positive duration such as 500ms, 30s, 2m or 1h");
    }
  }

  static long bytes(Map<String, String> settings, String key, long fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    Matcher match = QUANTITY.matcher(value.strip());
    if (!match.matches() || Long.parseLong(match.group(1)) == 0) {
      throw bad(key, value, "a positive size such as 1048576, 512Ki, 256Mi or 2Gi");
    }
    int shift =
        match.group(2) == null
            ? 0
            : switch (match.group(2)) {
              case "Ki" -> 10;
              case "Mi" -> 20;
              case "Gi" -> 30;
              default -> 40;
            };
    return Long.parseLong(match.group(1)) << shift;
  }

  static long count(Map<String, String> settings, String key, long fallback) {
    String value = settings.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      long count = Long.parseLong(value.strip());
      if (count >= 0) {
        return count;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad(key, value, "a whole number of records, 0 or more");
  }

  private static IllegalArgumentException bad(String key, String value, String expected) {
    return new IllegalArgumentException(
        String.format(Locale.ROOT, "slo.%s: expected %s, got \"%s\"", key, expected, value));
  }
}
