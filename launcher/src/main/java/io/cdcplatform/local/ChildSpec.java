package io.cdcplatform.local;

import io.cdcplatform.devservices.OrphanGuard;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How to start one child JVM of the local pipeline. Every child runs under {@link OrphanGuard}, so
 * it stops by itself when the launcher is gone, even after a SIGKILL.
 */
record ChildSpec(
    String name,
    String classpath,
    String mainClass,
    List<String> jvmOptions,
    List<String> arguments,
    Map<String, String> environment,
    Path logFile) {

  /** The command line, with the guard's own jar added to the child's classpath. */
  List<String> command() {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    // Names the log on the command line, so `ps` shows which pipeline a process belongs to.
    command.add("-Dcdc.log=" + logFile.toAbsolutePath());
    command.add("-cp");
    command.add(classpath + java.io.File.pathSeparator + guardLocation());
    command.add(OrphanGuard.class.getName());
    command.add(mainClass);
    command.addAll(arguments);
    return command;
  }

  private static String guardLocation() {
    try {
      return Path.of(OrphanGuard.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the OrphanGuard class", e);
    }
  }
}
