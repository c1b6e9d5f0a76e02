package io.cdcplatform.local;

import io.cdcplatform.devservices.LocalPostgres;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Stops PostgreSQL when the launcher is gone. The server runs as its own daemon, not as a JVM the
 * launcher could guard, so a small shell process waits for the launcher to disappear (even by
 * SIGKILL) and then asks the postmaster for a fast shutdown.
 */
final class PostgresReaper {

  private PostgresReaper() {}

  /** Starts the reaper; the launcher ends it when it stops PostgreSQL itself. */
  static Process watch(LocalPostgres postgres, Path work) throws IOException {
    Path pidFile = postgres.lockFile();
    String script =
        "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; "
            + "[ -f \"$2\" ] && kill -INT \"$(head -n 1 \"$2\")\" 2>/dev/null; exit 0";
    return new ProcessBuilder(
            "/bin/sh",
            "-c",
            script,
            "postgres-reaper",
            String.valueOf(ProcessHandle.current().pid()),
            pidFile.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("postgres.log").toFile()))
        .start();
  }
}
