package io.cdcplatform.ingest;

import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The relative weights of the operation kinds; draws a kind for a uniform number. */
public final class Mix {

  private final EnumMap<OperationKind, Integer> weights;
  private final int total;

  private Mix(EnumMap<OperationKind, Integer> weights) {
    this.weights = weights;
    this.total = weights.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The default mix. */
  public static Mix defaults() {
    EnumMap<OperationKind, Integer> weights = new EnumMap<>(OperationKind.class);
    for (OperationKind kind : OperationKind.values()) {
      weights.put(kind, kind.defaultWeight());
    }
    return new Mix(weights);
  }

  /**
   * The default mix with some weights replaced, written as {@code kind=weight[,kind=weight...]},
   * e.g. {@code insert-order=50,delete-customer=0}.
   *
   * @throws IllegalArgumentException naming what is wrong and what is expected
   */
  public static Mix parse(String text) {
    EnumMap<OperationKind, Integer> weights = defaults().weights.clone();
    if (!text.isBlank()) {
      for (String entry : text.split(",")) {
        String[] parts = entry.trim().split("=", -1);
        if (parts.length != 2) {
          throw new IllegalArgumentException(
              "expected KIND=WEIGHT entries separated by commas, got '" + entry.trim() + "'");
        }
        OperationKind kind;
        try {
          kind = OperationKind.fromOptionName(parts[0].trim());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              e.getMessage() + "; expected one of " + kindNames(), e);
        }
        weights.put(kind, parseWeight(parts[0].trim(), parts[1].trim()));
      }
    }
    if (weights.get(OperationKind.INSERT_ORDER) == 0) {
      throw new IllegalArgumentException(
          "insert-order needs a positive weight: it is what other kinds fall back to when they"
              + " cannot apply");
    }
    return new Mix(weights);
  }

  private static int parseWeight(String kind, String value) {
    int weight;
    try {
      weight = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "weight of " + kind + " must be a whole number, got '" + value + "'", e);
    }
    if (weight < 0 || weight > 1_000_000) {
      throw new IllegalArgumentException(
          "weight of " + kind + " must be between 0 and 1000000, got " + weight);
    }
    return weight;
  }

  private static String kindNames() {
    return java.util.Arrays.stream(OperationKind.values())
        .map(OperationKind::optionName)
        .collect(Collectors.joining(", "));
  }

  /** The kind a uniform draw in [0, 1) selects. */
  public OperationKind draw(double uniform) {
    double point = uniform * total;
    double cumulative = 0;
    OperationKind last = OperationKind.INSERT_ORDER;
    for (Map.Entry<OperationKind, Integer> entry : weights.entrySet()) {
      if (entry.getValue() == 0) {
        continue;
      }
      cumulative += entry.getValue();
      last = entry.getKey();
      if (point < cumulative) {
        return last;
      }
    }
    return last;
  }

  /** This kind's share of the mix, between 0 and 1. */
  public double share(OperationKind kind) {
    return (double) weights.get(kind) / total;
  }

  @Override
  public String toString() {
    return weights.entrySet().stream()
        .map(e -> e.getKey().optionName() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }
}
