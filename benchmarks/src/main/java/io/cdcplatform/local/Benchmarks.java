package io.cdcplatform.local;

import java.util.Arrays;

/**
 * What the benchmark programs share: reading the Makefile's {@code BENCH_SECONDS} and {@code
 * BENCH_RATES}, and turning bad input (a malformed figure, a busy port) into one line and exit code
 * 2 instead of a stack trace.
 */
final class Benchmarks {

  /** A benchmark's body. */
  interface Body {
    void run() throws Exception;
  }

  private static final String RATES =
      "changes per second, whole numbers of at least 1 such as \"500 1000\"";

  private Benchmarks() {}

  /** Runs a benchmark; bad input ends it with one line naming what was wrong, and exit code 2. */
  static void run(String name, Body body) throws Exception {
    try {
      body.run();
    } catch (IllegalArgumentException e) {
      System.err.println(name + ": " + e.getMessage());
      System.exit(2);
    }
  }

  /** Seconds each case runs: the first argument, 30 when there is none. */
  static int seconds(String[] args) {
    return args.length > 0
        ? positive("BENCH_SECONDS", "a whole number of seconds of at least 1", args[0])
        : 30;
  }

  /** Changes per second to try, in order: the second argument, {@code fallback} when none. */
  static int[] rates(String[] args, int... fallback) {
    if (args.length < 2) {
      return fallback;
    }
    String[] words = args[1].trim().split("[ ,]+");
    if (words.length == 1 && words[0].isEmpty()) {
      throw new IllegalArgumentException("BENCH_RATES: expected " + RATES + ", got nothing");
    }
    return Arrays.stream(words).mapToInt(word -> positive("BENCH_RATES", RATES, word)).toArray();
  }

  private static int positive(String variable, String expected, String text) {
    try {
      int value = Integer.parseInt(text.trim());
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below, with what was expected
    }
    throw new IllegalArgumentException(
        variable + ": expected " + expected + ", got '" + text + "'");
  }
}
