package io.cdcplatform.local;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A child process the launcher keeps running: its output goes to its log file (and, when asked,
 * prefixed to the console); when it exits with a failure code while the pipeline is not stopping,
 * it is started again after a backoff that doubles up to 30 s and resets once the child has stayed
 * up for a minute. A child that exits with {@link #REFUSED} (every program here uses it for
 * settings it will not run with) is not started again: the same settings would be refused again, so
 * its last line, which says why, goes to the console instead. Nor is one that exits on SIGINT
 * ({@link #INTERRUPTED}).
 */
final class SupervisedChild {

  /** The exit code of a program that refused its arguments or settings. */
  static final int REFUSED = 2;

  /**
   * The exit code of a JVM stopped by SIGINT. Only a terminal sends it, to its whole foreground
   * process group when Ctrl-C stops {@code make demo}: the launcher is stopping too, and a child
   * restarted meanwhile would only be stopped again.
   */
  static final int INTERRUPTED = 130;

  /** The wait before the first restart after a failure. */
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration STABLE = Duration.ofMinutes(1);

  private final ChildSpec spec;
  private final PrintStream console;
  private final boolean echo;
  private Process process;
  private Thread pump;
  private long startedAt;
  private Duration backoff = FIRST_BACKOFF;
  private int restarts;
  private boolean stopping;
  private volatile String lastLine = "";
  private volatile String refusal;

  private SupervisedChild(ChildSpec spec, PrintStream console, boolean echo) {
    this.spec = spec;
    this.console = console;
    this.echo = echo;
  }

  /**
   * Starts the child.
   *
   * @param echo whether its output lines also go, prefixed with its name, to the console
   */
  static SupervisedChild start(ChildSpec spec, PrintStream console, boolean echo)
      throws IOException {
    SupervisedChild child = new SupervisedChild(spec, console, echo);
    Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
    child.launch();
    return child;
  }

  private synchronized void launch() throws IOException {
    ProcessBuilder builder = new ProcessBuilder(spec.command()).redirectErrorStream(true);
    builder.environment().putAll(spec.environment());
    Process started = builder.start();
    BufferedWriter log =
        Files.newBufferedWriter(
            spec.logFile(),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
    process = started;
    startedAt = System.nanoTime();
    pump =
        Thread.ofPlatform()
            .daemon()
            .name(spec.name() + "-output")
            .start(() -> copyLines(started, log));
    started.onExit().thenAccept(this::exited);
  }

  private void copyLines(Process source, BufferedWriter log) {
    String prefix = "[" + spec.name() + "] ";
    try (log;
        BufferedReader reader =
            new BufferedReader(
                new InputStreamReader(source.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.isBlank()) {
          lastLine = line.strip();
        }
        log.write(line);
        log.newLine();
        log.flush();
        if (echo) {
          console.println(prefix + line);
        }
      }
    } catch (IOException e) {
      console.println(prefix + "(output no longer readable: " + e.getMessage() + ")");
    }
  }

  private void exited(Process gone) {
    Duration wait;
    synchronized (this) {
      if (stopping || gone != process) {
        return;
      }
      if (gone.exitValue() == 0) {
        console.printf("[%s] finished (exit code 0)%n", spec.name());
        return;
      }
      if (gone.exitValue() == INTERRUPTED) {
        console.printf(
            "[%s] stopped by SIGINT (exit code %d), as by Ctrl-C: not restarting%n",
            spec.name(), INTERRUPTED);
        return;
      }
      if (gone.exitValue() == REFUSED) {
        awaitOutput();
        refusal = lastLine;
        console.printf(
            "[%s] refused its settings (exit code %d), not restarting: %s%n",
            spec.name(), REFUSED, refusal);
        return;
      }
      if (System.nanoTime() - startedAt > STABLE.toNanos()) {
        backoff = FIRST_BACKOFF;
      }
      wait = backoff;
      backoff = nextBackoff(backoff);
      restarts++;
    }
    console.printf(
        "[%s] exited with code %d; restarting in %ds (restart %d, log %s)%n",
        spec.name(), gone.exitValue(), wait.toSeconds(), restarts, spec.logFile());
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                TimeUnit.MILLISECONDS.sleep(wait.toMillis());
                synchronized (this) {
                  if (!stopping) {
                    launch();
                  }
                }
              } catch (IOException e) {
                console.printf("[%s] could not be restarted: %s%n", spec.name(), e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  /** The wait after the next failed start: doubled, up to 30 s. */
  static Duration nextBackoff(Duration backoff) {
    Duration doubled = backoff.multipliedBy(2);
    return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
  }

  String name() {
    return spec.name();
  }

  /** Why the child refused to run (its last line), or null while it has not. */
  String refusal() {
    return refusal;
  }

  // The child's last lines may still be in the pipe when its exit is noticed.
  private void awaitOutput() {
    try {
      pump.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  synchronized long pid() {
    return process.pid();
  }

  synchronized boolean isAlive() {
    return process.isAlive();
  }

  /** How many times the child was restarted after a failure. */
  synchronized int restarts() {
    return restarts;
  }

  java.nio.file.Path logFile() {
    return spec.logFile();
  }

  /**
   * Kills the child (SIGKILL) and keeps it down until {@link #resume()}: a fault drill's crash.
   *
   * @return its exit code
   */
  int kill() throws InterruptedException {
    Process current;
    synchronized (this) {
      stopping = true;
      current = process;
    }
    current.destroyForcibly();
    return current.waitFor();
  }

  /** Starts the child again after {@link #stop} or {@link #kill}, supervised as before. */
  synchronized void resume() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException(spec.name() + " is still running");
    }
    stopping = false;
    backoff = FIRST_BACKOFF;
    launch();
  }

  /**
   * Stops the child for good: SIGTERM, up to {@code grace} to exit, then SIGKILL.
   *
   * @return its exit code
   */
  int stop(Duration grace) throws InterruptedException {
    Process current;
    Thread currentPump;
    synchronized (this) {
      stopping = true;
      current = process;
      currentPump = pump;
    }
    if (current.isAlive()) {
      // Through the handle, so the pipe stays open and the child's last lines are still read.
      current.toHandle().destroy();
      if (!current.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        current.destroyForcibly();
      }
    }
    int code = current.waitFor();
    currentPump.join(TimeUnit.SECONDS.toMillis(5));
    return code;
  }
}
