package io.cdcplatform.local;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the launcher starts as a separate OS process. Its output goes, line by line, to its log
 * file and, prefixed with its name, to the console.
 */
final class ChildProcess {

  private final String name;
  private final Process process;
  private final Path logFile;
  private final Thread pump;

  private ChildProcess(String name, Process process, Path logFile, Thread pump) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.pump = pump;
  }

  /**
   * Starts {@code mainClass} in a new JVM.
   *
   * @param classpath the child's classpath
   * @param environment variables added to the launcher's own environment
   * @param console where prefixed output lines are echoed
   */
  static ChildProcess startJava(
      String name,
      String classpath,
      String mainClass,
      List<String> jvmOptions,
      List<String> arguments,
      Map<String, String> environment,
      Path logFile,
      PrintStream console)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(arguments);
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    BufferedWriter log =
        Files.newBufferedWriter(
            logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    Thread pump =
        Thread.ofPlatform()
            .daemon()
            .name(name + "-output")
            .start(() -> copyLines(process, log, "[" + name + "] ", console));
    return new ChildProcess(name, process, logFile, pump);
  }

  private static void copyLines(
      Process process, BufferedWriter log, String prefix, PrintStream console) {
    try (log;
        BufferedReader reader =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        log.write(line);
        log.newLine();
        log.flush();
        console.println(prefix + line);
      }
    } catch (IOException e) {
      console.println(prefix + "(output no longer readable: " + e.getMessage() + ")");
    }
  }

  String name() {
    return name;
  }

  Path logFile() {
    return logFile;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the child to exit and for its last output lines; returns its exit code. */
  int waitFor() throws InterruptedException {
    int code = process.waitFor();
    pump.join(TimeUnit.SECONDS.toMillis(5));
    return code;
  }

  /**
   * Asks the child to stop (SIGTERM), waits up to {@code grace}, then kills it.
   *
   * @return the exit code
   */
  int stop(Duration grace) throws InterruptedException {
    if (process.isAlive()) {
      // Through the handle, so the pipes stay open and the child's last lines are still read.
      process.toHandle().destroy();
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    }
    return waitFor();
  }
}
