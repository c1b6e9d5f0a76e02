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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher behind {@code make demo}, run as users run it: a process, stopped by a signal. */
class LocalPipelineIT {

  @TempDir Path work;

  @Test
  void startsPostgresThenStreamsTheWorkloadAndStopsEverythingOnSigterm() throws Exception {
    int port = freePort();
    Process launcher =
        start(
            "--pg-port",
            String.valueOf(port),
            "--work-dir",
            work.toString(),
            "--rate",
            "300",
            "--",
            "--progress-interval",
            "1s");
    List<String> lines = collect(launcher);

    waitFor(lines, l -> l.startsWith("[ingest] ingest: ") && l.contains("committed"), 90);
    assertThat(lines)
        .anyMatch(l -> l.startsWith("[1/2] postgres: ready in "))
        .anyMatch(l -> l.startsWith("[2/2] ingest: started (pid "))
        .anyMatch(l -> l.contains("capture role cdc_capture ready"));
    assertThat(work.resolve("ingest.log")).content().contains("ingest: ");
    assertThat(work.resolve("postgres.log")).exists();

    launcher.toHandle().destroy();
    assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).isTrue();
    waitFor(lines, l -> l.equals("local pipeline: postgres stopped"), 10);

    assertThat(lines)
        .anyMatch(l -> l.startsWith("[ingest] ingest-job: stopped by SIGTERM"))
        .contains("local pipeline: ingest stopped (exit code 0)");
    // Nothing the launcher started is left running.
    assertThat(childrenUsing(work)).isEmpty();
  }

  @Test
  void aTakenPortIsOneClearLineAndNothingStarts() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Process launcher =
          start("--pg-port", String.valueOf(taken.getLocalPort()), "--work-dir", work.toString());
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

  private static Process start(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
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

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static List<String> childrenUsing(Path work) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains(work.toString()) || c.contains("io.cdcplatform.ingest.IngestJob"))
        .toList();
  }
}
