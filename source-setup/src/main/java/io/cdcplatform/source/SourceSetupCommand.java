package io.cdcplatform.source;

import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code source-setup}: prepares the source database for the pipeline definition's tables (see
 * {@link SourceSetup}). On Kubernetes a Job runs it before the connector needs the publication;
 * locally the launcher runs it before Connect starts.
 */
@Command(
    name = "source-setup",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Creates or updates the publication, replica identity, heartbeat table and capture role"
          + " that the pipeline definition's tables need. Idempotent.",
      "Exit codes: 0 done, 2 bad option, definition or source (a missing table or privilege),"
          + " 3 the database cannot be reached."
    })
public final class SourceSetupCommand implements Callable<Integer> {

  static final int BAD_INPUT = 2;
  static final int DATABASE = 3;

  @Option(
      names = "--pipeline",
      required = true,
      description = "The pipeline definition (a pipeline.yaml or its folder).")
  Path pipeline;

  @Option(
      names = "--jdbc-url",
      defaultValue = "${SOURCE_JDBC_URL:-jdbc:postgresql://127.0.0.1:24320/postgres}",
      description = "The source database (env SOURCE_JDBC_URL; default ${DEFAULT-VALUE}).")
  String jdbcUrl;

  @Option(
      names = "--user",
      defaultValue = "${SOURCE_USER:-postgres}",
      description =
          "The tables' owner, with CREATEROLE; its password comes from SOURCE_PASSWORD (default"
              + " ${DEFAULT-VALUE}).")
  String user;

  @Option(
      names = "--capture-user",
      defaultValue = "${CAPTURE_USER:-cdc_capture}",
      description =
          "The role Debezium logs in as; its password comes from CAPTURE_PASSWORD (default"
              + " ${DEFAULT-VALUE}).")
  String captureUser;

  @Option(
      names = "--verifier-user",
      defaultValue = "${VERIFIER_USER:-}",
      description =
          "Continuous verification's role (e.g. cdc_verifier), set up when given; its password"
              + " comes from VERIFIER_PASSWORD (env VERIFIER_USER).")
  String verifierUser;

  @Option(
      names = "--publication",
      defaultValue = "${PUBLICATION:-cdc_publication}",
      description =
          "The publication the connector streams, its publication.name (default"
              + " ${DEFAULT-VALUE}).")
  String publication;

  @Option(
      names = "--release-lost-slot",
      paramLabel = "SLOT",
      description =
          "Instead of the setup: with the connector stopped, mark a new snapshot in the heartbeat"
              + " row and drop this replication slot, which PostgreSQL invalidated (wal_status"
              + " lost), as the capture role. Refused for a slot that is not lost. Then reset the"
              + " connector's offsets and start it again: it snapshots, and the analytics drop what"
              + " the lost slot had sent.")
  String releaseLostSlot;

  private final PrintStream out;
  private final Map<String, String> environment;

  SourceSetupCommand(PrintStream out, Map<String, String> environment) {
    this.out = out;
    this.environment = environment;
  }

  public static void main(String[] args) {
    System.exit(run(System.out, System.err, System.getenv(), args));
  }

  /** Runs the command; returns its exit code. */
  static int run(
      PrintStream out, PrintStream err, Map<String, String> environment, String... args) {
    CommandLine commandLine = new CommandLine(new SourceSetupCommand(out, environment));
    commandLine.setOut(new java.io.PrintWriter(out, true));
    commandLine.setParameterExceptionHandler(
        (e, ignored) -> {
          err.println("source-setup: " + e.getMessage() + " (see --help)");
          return BAD_INPUT;
        });
    commandLine.setExecutionExceptionHandler(
        (e, ignoredCommandLine, ignoredResult) -> {
          if (e instanceof IllegalArgumentException || e instanceof SourceSetupException) {
            err.println("source-setup: " + e.getMessage());
            return BAD_INPUT;
          }
          err.println("source-setup: " + SourceSetup.firstLine(String.valueOf(e.getMessage())));
          return DATABASE;
        });
    return commandLine.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    PipelineDefinition definition = PipelineDefinitions.load(pipeline);
    String capturePassword = environment.get("CAPTURE_PASSWORD");
    if (capturePassword == null || capturePassword.isEmpty()) {
      throw new IllegalArgumentException(
          "CAPTURE_PASSWORD: expected the capture role's password, got none");
    }
    SourceSetup.Capture capture =
        new SourceSetup.Capture(captureUser, capturePassword, publication);
    if (releaseLostSlot != null) {
      LostSlot.Released released;
      try (Connection db = connect(jdbcUrl, captureUser, capturePassword)) {
        released = LostSlot.release(db, definition, releaseLostSlot);
      }
      out.println(
          "source-setup: dropped lost slot "
              + releaseLostSlot
              + "; the next snapshot supersedes every change before LSN "
              + released.resnapshotLsn()
              + ": reset the connector's offsets and start it");
      return 0;
    }
    SourceSetup.Verifier verifier = null;
    if (verifierUser != null && !verifierUser.isEmpty()) {
      String verifierPassword = environment.get("VERIFIER_PASSWORD");
      if (verifierPassword == null || verifierPassword.isEmpty()) {
        throw new IllegalArgumentException(
            "VERIFIER_PASSWORD: expected the verifier role's password, got none");
      }
      verifier = new SourceSetup.Verifier(verifierUser, verifierPassword);
    }
    List<String> done;
    try (Connection db = connect(jdbcUrl, user, environment.getOrDefault("SOURCE_PASSWORD", ""))) {
      done = SourceSetup.apply(db, definition, capture, verifier);
    }
    done.forEach(line -> out.println("source-setup: " + line));
    out.println(
        "source-setup: "
            + (done.isEmpty() ? "nothing to change" : done.size() + " change(s)")
            + "; "
            + definition.source().captured().size()
            + " table(s) ready for capture through publication "
            + publication
            + " as "
            + captureUser
            + (verifier == null ? "" : "; continuous verification as " + verifier.role()));
    return 0;
  }

  private static Connection connect(String url, String user, String password) throws Exception {
    try {
      return DriverManager.getConnection(url, user, password);
    } catch (SQLException e) {
      throw new Exception(url + ": " + SourceSetup.firstLine(e.getMessage()), e);
    }
  }
}
