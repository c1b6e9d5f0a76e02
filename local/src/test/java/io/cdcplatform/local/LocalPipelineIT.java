package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher behind {@code make demo}, run as users run it: a process, stopped by a signal. */
class LocalPipelineIT {

  @TempDir Path work;

  @Test
  void bringsUpEveryStageThenStreamsAndStopsEverythingOnSigterm() throws Exception {
    List<String> arguments = TestPipelines.arguments(work);
    arguments.addAll(List.of("--rate", "300", "--status-interval", "2"));
    arguments.addAll(List.of("--", "--progress-interval", "1s"));
    Process launcher = start(arguments.toArray(String[]::new));
    List<String> lines = collect(launcher);

    waitFor(lines, l -> l.startsWith("status: captured ") && !l.contains("captured -"), 180);
    assertThat(lines)
        .anyMatch(l -> l.startsWith("[1/5] postgres: ready in "))
        .anyMatch(l -> l.startsWith("[2/5] kafka: ready in ") && l.contains("3 voters"))
        .anyMatch(l -> l.startsWith("[3/5] connect: ready in ") && l.contains("RUNNING (1/1"))
        .anyMatch(l -> l.startsWith("[4/5] flink: job RUNNING in "))
        .anyMatch(l -> l.startsWith("[5/5] ingest: started (pid "));
    // The job's process starts beside Connect, not after it: its planning overlaps Connect's start.
    assertThat(indexOf(lines, "[4/5] flink: starting the analytics job beside Connect"))
        .isLessThan(indexOf(lines, "[3/5] connect: ready in "));
    waitFor(lines, l -> l.startsWith("[ingest] ingest: ") && l.contains("committed"), 30);
    String status =
        lines.stream().filter(l -> l.startsWith("status: captured ")).toList().getLast();
    assertThat(status)
        .contains("cdc.shop.orders=")
        .contains("connector RUNNING (1/1 tasks RUNNING)");
    // The job's progress, from the offsets it commits with its checkpoints, not from a cache.
    Pattern committed = Pattern.compile("job RUNNING, (\\d+\\.\\d) records/s committed");
    waitFor(
        lines,
        l -> {
          Matcher matcher = committed.matcher(l);
          return matcher.find() && Double.parseDouble(matcher.group(1)) > 0;
        },
        60);
    assertThat(work.resolve("ingest.log")).content().contains("ingest: ");
    assertThat(work.resolve("connect.log")).exists();
    assertThat(work.resolve("kafka-1.log")).exists();

    launcher.toHandle().destroy();
    assertThat(launcher.waitFor(90, TimeUnit.SECONDS)).isTrue();
    waitFor(lines, l -> l.equals("local pipeline: postgres stopped"), 10);

    assertThat(lines)
        .anyMatch(l -> l.startsWith("[ingest] ingest-job: stopped by SIGTERM"))
        .contains("local pipeline: ingest stopped (exit code 0)");
    assertThat(childrenUsing(work)).isEmpty();
  }

  @Test
  void childrenStopByThemselvesWhenTheLauncherIsKilled() throws Exception {
    List<String> arguments = TestPipelines.arguments(work);
    arguments.addAll(List.of("--rate", "100"));
    Process launcher = start(arguments.toArray(String[]::new));
    List<String> lines = collect(launcher);
    waitFor(lines, l -> l.startsWith("local pipeline: all stages up"), 180);
    assertThat(childrenUsing(work)).hasSizeGreaterThanOrEqualTo(6);

    launcher.toHandle().destroyForcibly(); // SIGKILL: no shutdown hook runs
    launcher.waitFor();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!childrenUsing(work).isEmpty() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(250);
    }
    assertThat(childrenUsing(work)).isEmpty();
  }

  @Test
  void aTakenPortIsOneClearLineAndNothingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Process launcher =
          start(
              "--pg-port",
              String.valueOf(taken.getLocalPort()),
              "--work-dir",
              work.toString(),
              "--home",
              System.getProperty("cdc.home"));
      String output = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(launcher.waitFor()).isEqualTo(1);
      assertThat(output.lines())
          .containsExactly(
              "local-pipeline: --pg-port: port "
                  + taken.getLocalPort()
                  + " on 127.0.0.1 is already in use; choose another port");
    }
    assertThat(work.resolve("postgres-data")).doesNotExist();
  }

  @Test
  void aBadIngestOptionIsOneClearLineAndNothingStarts() throws Exception {
    Process launcher =
        start(
            "--rate",
            "fast",
            "--work-dir",
            work.toString(),
            "--home",
            System.getProperty("cdc.home"),
            "--",
            "--tx-size",
            "2-4");
    String output = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(launcher.waitFor()).isEqualTo(1);
    assertThat(output.lines())
        .containsExactly(
            "local-pipeline: ingest job: Invalid value for option '--rate': expected a positive"
                + " number of changes per second or 'unlimited', got 'fast'");
    assertThat(work.resolve("postgres-data")).doesNotExist();
  }

  private static Process start(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("-Dcdc.home=" + System.getProperty("cdc.home"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LocalPipeline.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  private static List<String> collect(Process process) {
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(lines::add);
              } catch (Exception e) {
                lines.add("reader failed: " + e);
              }
            });
    return lines;
  }

  private static void waitFor(List<String> lines, Predicate<String> line, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (lines.stream().noneMatch(line) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    assertThat(lines).as("output so far").anyMatch(line);
  }

  private static List<String> childrenUsing(Path work) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains(work.toString()))
        .toList();
  }

  private static int indexOf(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no line starting with '" + prefix + "' in " + lines);
  }
}
