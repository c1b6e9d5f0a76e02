package io.cdcplatform.ingest;

import java.time.Duration;

/**
 * What the workload looks like, independent of its pace: the mix of operations, the size of
 * transactions, how far event times lag commit times, and the floor of reference data.
 *
 * @param mix the relative weights of the operation kinds
 * @param minTransactionSize the fewest operations in one transaction
 * @param maxTransactionSize the most operations in one transaction
 * @param maxSkew how far before its commit an ordinary order's event time may lie
 * @param lateFraction the share of new orders whose event time lies much further back
 * @param minLateDelay the least a late order's event time lies before its commit
 * @param maxLateDelay the most a late order's event time lies before its commit
 * @param minProducts products are inserted first until there are this many
 * @param minCustomers customers are inserted first until there are this many
 */
public record WorkloadShape(
    Mix mix,
    int minTransactionSize,
    int maxTransactionSize,
    Duration maxSkew,
    double lateFraction,
    Duration minLateDelay,
    Duration maxLateDelay,
    int minProducts,
    int minCustomers) {

  public WorkloadShape {
    if (minTransactionSize < 1 || maxTransactionSize < minTransactionSize) {
      throw new IllegalArgumentException(
          "transaction size must satisfy 1 <= min <= max, got "
              + minTransactionSize
              + "-"
              + maxTransactionSize);
    }
    if (maxSkew.isNegative()) {
      throw new IllegalArgumentException("max skew must not be negative, got " + maxSkew);
    }
    if (!(lateFraction >= 0 && lateFraction <= 1)) {
      throw new IllegalArgumentException(
          "late fraction must be between 0 and 1, got " + lateFraction);
    }
    if (minLateDelay.isNegative() || maxLateDelay.compareTo(minLateDelay) < 0) {
      throw new IllegalArgumentException(
          "late delay must satisfy 0 <= min <= max, got " + minLateDelay + "-" + maxLateDelay);
    }
    if (minProducts < 2 || minCustomers < 1) {
      throw new IllegalArgumentException(
          "the workload needs at least 2 products and 1 customer, got "
              + minProducts
              + " and "
              + minCustomers);
    }
  }

  /** This shape with transactions of {@code min} to {@code max} operations. */
  public WorkloadShape withTransactionSize(int min, int max) {
    return new WorkloadShape(
        mix,
        min,
        max,
        maxSkew,
        lateFraction,
        minLateDelay,
        maxLateDelay,
        minProducts,
        minCustomers);
  }

  /** This shape with another share of very late orders. */
  public WorkloadShape withLateFraction(double fraction) {
    return new WorkloadShape(
        mix,
        minTransactionSize,
        maxTransactionSize,
        maxSkew,
        fraction,
        minLateDelay,
        maxLateDelay,
        minProducts,
        minCustomers);
  }

  /** The shape used when nothing is configured. */
  public static WorkloadShape defaults() {
    return new WorkloadShape(
        Mix.defaults(),
        1,
        5,
        Duration.ofSeconds(5),
        0.02,
        Duration.ofMinutes(2),
        Duration.ofMinutes(10),
        20,
        100);
  }
}
