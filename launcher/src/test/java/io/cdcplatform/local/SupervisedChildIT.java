package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Supervision of real child JVMs: a child that fails is started again, one that refuses its
 * settings (exit code 2) is not, and the line in which it says why reaches the console.
 */
class SupervisedChildIT {

  /** A child that prints a line and exits with the code it is given. */
  public static final class ExitingChild {
    public static void main(String[] args) {
      System.err.println("exiting-child: --level: expected a number, got 'high'");
      System.exit(Integer.parseInt(args[0]));
    }
  }

  @TempDir Path work;

  @Test
  void aChildThatRefusesItsSettingsIsNotRestartedAndSaysWhy() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    SupervisedChild child = start(SupervisedChild.REFUSED, console);

    await(() -> child.refusal() != null);
    TimeUnit.SECONDS.sleep(3);

    assertThat(child.refusal()).isEqualTo("exiting-child: --level: expected a number, got 'high'");
    assertThat(child.restarts()).isZero();
    assertThat(child.isAlive()).isFalse();
    assertThat(console.toString(StandardCharsets.UTF_8))
        .contains(
            "[child] refused its settings (exit code 2), not restarting: exiting-child: --level:"
                + " expected a number, got 'high'")
        .doesNotContain("restarting in");
  }

  /** Ctrl-C reaches every child of the terminal's process group: none is started again. */
  @Test
  void aChildStoppedBySigintIsNotRestarted() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    SupervisedChild child = start(SupervisedChild.INTERRUPTED, console);

    await(
        () ->
            console
                .toString(StandardCharsets.UTF_8)
                .contains(
                    "[child] stopped by SIGINT (exit code 130), as by Ctrl-C: not restarting"));
    TimeUnit.SECONDS.sleep(3);

    assertThat(child.restarts()).isZero();
    assertThat(child.isAlive()).isFalse();
    assertThat(console.toString(StandardCharsets.UTF_8)).doesNotContain("restarting in");
  }

  @Test
  void aChildThatFailsIsStartedAgain() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    SupervisedChild child = start(1, console);
    try {
      // The count goes up before the line is printed: wait for the line, then check the count.
      String line = "[child] exited with code 1; restarting in 1s (restart 1";
      await(() -> console.toString(StandardCharsets.UTF_8).contains(line));

      assertThat(child.restarts()).isGreaterThanOrEqualTo(1);
      assertThat(child.refusal()).isNull();
    } finally {
      child.stop(Duration.ofSeconds(5));
    }
  }

  private SupervisedChild start(int exitCode, ByteArrayOutputStream console) throws Exception {
    return SupervisedChild.start(
        new ChildSpec(
            "child",
            System.getProperty("java.class.path"),
            ExitingChild.class.getName(),
            List.of("-Xmx32m", "-XX:TieredStopAtLevel=1"),
            List.of(String.valueOf(exitCode)),
            Map.of(),
            work.resolve("child.log")),
        new PrintStream(console, true, StandardCharsets.UTF_8),
        false);
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100);
    }
    assertThat(condition.getAsBoolean()).as("within 30 s").isTrue();
  }
}
