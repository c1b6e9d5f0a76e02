package io.cdcplatform.local;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Polls a stage until it is healthy, then returns what it reported; after the timeout, fails with
 * one line holding the last observation.
 */
final class Await {

  private static final long POLL_MILLIS = 250;

  /** One look at a stage: ready (with a value to return) or not yet, and what was seen. */
  record Check<T>(boolean ready, T value, String seen) {
    static <T> Check<T> ready(T value, String seen) {
      return new Check<>(true, value, seen);
    }

    static <T> Check<T> notYet(String seen) {
      return new Check<>(false, null, seen);
    }
  }

  /** A look at a stage; an exception counts as "not yet" and its message as what was seen. */
  interface Probe<T> {
    Check<T> check() throws Exception;
  }

  private Await() {}

  /**
   * Polls until ready.
   *
   * @param what names the stage in the failure, e.g. "Kafka did not become healthy"
   * @param log the file to look at when it fails
   */
  static <T> T until(String what, Duration timeout, String log, Probe<T> probe)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String seen = "no answer yet";
    while (System.nanoTime() < deadline) {
      try {
        Check<T> check = probe.check();
        if (check.ready()) {
          return check.value();
        }
        seen = check.seen();
      } catch (InterruptedException e) {
        throw e;
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        seen = e.toString();
      }
      TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
    }
    throw new IllegalStateException(
        what + " within " + timeout.toSeconds() + "s (" + seen + "); see " + log);
  }
}
