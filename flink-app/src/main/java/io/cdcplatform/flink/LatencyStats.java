package io.cdcplatform.flink;

import java.util.Arrays;

/**
 * Count and percentiles of a minute's latencies, in milliseconds. Percentiles are nearest-rank over
 * every sample: exact, not estimated.
 */
record LatencyStats(long count, long p50, long p95, long p99, long max) {

  static LatencyStats of(long[] samples, int count) {
    if (count == 0) {
      throw new IllegalArgumentException("no samples");
    }
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    return new LatencyStats(
        count,
        rank(sorted, 0.50),
        rank(sorted, 0.95),
        rank(sorted, 0.99),
        sorted[sorted.length - 1]);
  }

  private static long rank(long[] sorted, double quantile) {
    int rank = (int) Math.ceil(quantile * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }
}
