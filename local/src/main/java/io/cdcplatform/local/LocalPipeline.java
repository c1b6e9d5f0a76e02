package io.cdcplatform.local;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.ingest.IngestJob;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs the pipeline on this machine, stage by stage, each stage healthy before the next starts,
 * until Ctrl-C; then stops the stages in reverse order.
 */
@Command(
    name = "local-pipeline",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs the CDC pipeline on this machine until Ctrl-C.")
public final class LocalPipeline implements Callable<Integer> {

  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  @Option(
      names = "--pg-port",
      defaultValue = "${LOCAL_PG_PORT:-54320}",
      description = "PostgreSQL port on 127.0.0.1 (env LOCAL_PG_PORT; default ${DEFAULT-VALUE}).")
  int postgresPort;

  @Option(
      names = "--work-dir",
      defaultValue = "${LOCAL_WORK_DIR:-local/target/demo}",
      description =
          "Where data and logs go; emptied at start (env LOCAL_WORK_DIR; default"
              + " ${DEFAULT-VALUE}).")
  Path workDirectory;

  @Option(
      names = "--rate",
      defaultValue = "${LOCAL_INGEST_RATE:-200}",
      description =
          "Row changes per second the ingest job writes (env LOCAL_INGEST_RATE; default"
              + " ${DEFAULT-VALUE}).")
  String rate;

  @Parameters(
      paramLabel = "INGEST_OPTION",
      description = "Further options for the ingest job, after --, e.g. -- --tx-size 10.")
  List<String> ingestOptions = new ArrayList<>();

  private final PrintStream out = System.out;
  private final Object lifecycle = new Object();
  private LocalPostgres postgres;
  private ChildProcess ingest;
  private boolean stopping;

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new LocalPipeline());
    commandLine.setParameterExceptionHandler(
        (e, ignored) -> {
          System.err.println("local-pipeline: " + e.getMessage() + " (see --help)");
          return 2;
        });
    commandLine.setExecutionExceptionHandler(
        (e, ignoredCommandLine, ignoredResult) -> {
          System.err.println("local-pipeline: " + e.getMessage());
          return 1;
        });
    System.exit(commandLine.execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    Ports.requireFree(postgresPort, "--pg-port");
    Path work = workDirectory.toAbsolutePath().normalize();
    out.println("local pipeline: data and logs in " + work);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "local-pipeline-stop"));

    startPostgres(work);
    startIngest(work);

    int code = ingest.waitFor();
    synchronized (lifecycle) {
      if (stopping) {
        return 0;
      }
    }
    out.println(
        "local pipeline: ingest job exited with code " + code + "; see " + ingest.logFile());
    stopAll();
    return code == 0 ? 0 : 1;
  }

  private void startPostgres(Path work) throws IOException {
    Path log = work.resolve("postgres.log");
    out.printf(
        "[1/2] postgres: starting PostgreSQL 17 on 127.0.0.1:%d (log %s)%n", postgresPort, log);
    long start = System.nanoTime();
    LocalPostgres started = LocalPostgres.start(postgresPort, work.resolve("postgres-data"), log);
    synchronized (lifecycle) {
      postgres = started;
    }
    postgres.createOwnerRole(LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
    out.printf(
        Locale.ROOT,
        "[1/2] postgres: ready in %.1fs at %s (wal_level=logical; owner role %s)%n",
        (System.nanoTime() - start) / 1e9,
        postgres.jdbcUrl(),
        LocalCredentials.OWNER);
  }

  private void startIngest(Path work) throws IOException {
    List<String> arguments = new ArrayList<>(List.of("--rate", rate));
    arguments.addAll(ingestOptions);
    ChildProcess child =
        ChildProcess.startJava(
            "ingest",
            System.getProperty("java.class.path"),
            IngestJob.class.getName(),
            List.of("-Xmx256m", "-XX:+UseSerialGC"),
            arguments,
            Map.of(
                "INGEST_JDBC_URL", postgres.jdbcUrl(),
                "INGEST_USER", LocalCredentials.OWNER,
                "INGEST_PASSWORD", LocalCredentials.OWNER_PASSWORD,
                "INGEST_PUBLICATION", LocalCredentials.PUBLICATION,
                "INGEST_CAPTURE_USER", LocalCredentials.CAPTURE,
                "INGEST_CAPTURE_PASSWORD", LocalCredentials.CAPTURE_PASSWORD),
            work.resolve("ingest.log"),
            out);
    synchronized (lifecycle) {
      ingest = child;
    }
    out.printf("[2/2] ingest: started (pid %d, log %s)%n", child.pid(), child.logFile());
  }

  // Stops the stages in reverse order of start; safe to call twice and from the shutdown hook.
  private void stopAll() {
    synchronized (lifecycle) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    out.println("local pipeline: stopping");
    try {
      if (ingest != null) {
        int code = ingest.stop(STOP_GRACE);
        out.println("local pipeline: ingest stopped (exit code " + code + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (postgres != null) {
      try {
        postgres.close();
        out.println("local pipeline: postgres stopped");
      } catch (IOException e) {
        out.println("local pipeline: postgres did not stop cleanly: " + e.getMessage());
      }
    }
  }
}
