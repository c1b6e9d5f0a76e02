package io.cdcplatform.oracle;

import io.cdcplatform.health.Oracles;
import io.cdcplatform.pipeline.Durations;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Checks that every analytics table equals the oracle query its pipeline definition gives, against
 * any PostgreSQL holding the source and the analytics tables: the local run's, or a cluster's
 * through a port-forward. Meant for a quiescent pipeline (no change in flight); {@code --wait}
 * keeps looking until the tables have caught up.
 */
@Command(
    name = "oracle-check",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Compares each analytics table with its oracle query over the source tables.",
      "Exit codes: 0 every table equals its oracle, 1 some table differs, 2 bad option or"
          + " document, 3 the database cannot be queried."
    })
public final class OracleCheck implements Callable<Integer> {

  static final int DIFFERS = 1;
  static final int BAD_INPUT = 2;
  static final int DATABASE = 3;

  @Option(
      names = "--jdbc-url",
      defaultValue = "${ORACLE_JDBC_URL:-jdbc:postgresql://127.0.0.1:24320/postgres}",
      description = "Database holding the source and analytics tables (default ${DEFAULT-VALUE}).")
  String jdbcUrl;

  @Option(
      names = "--user",
      defaultValue = "${ORACLE_USER:-postgres}",
      description =
          "Login; its password, if any, comes from the PGPASSWORD environment variable"
              + " (default ${DEFAULT-VALUE}).")
  String user;

  @Option(
      names = "--pipeline",
      defaultValue = "${ORACLE_PIPELINE:-" + PipelineDefinitions.CHART_PIPELINE + "}",
      description =
          "The pipeline definition (a pipeline.yaml or its folder) whose oracles to check"
              + " (default ${DEFAULT-VALUE}).")
  Path pipeline;

  @Option(
      names = "--wait",
      defaultValue = "0s",
      converter = WaitConverter.class,
      description =
          "Keep comparing, once a second, until every table is equal or this much time has"
              + " passed (default ${DEFAULT-VALUE}: compare once).")
  Duration wait;

  private final PrintStream out;
  private final String password;

  /** {@code --wait} in the platform's one duration grammar ({@link Durations}). */
  static final class WaitConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException bad) {
        throw new CommandLine.TypeConversionException(bad.getMessage());
      }
    }
  }

  OracleCheck(PrintStream out, String password) {
    this.out = out;
    this.password = password;
  }

  public static void main(String[] args) {
    System.exit(run(System.out, System.err, System.getenv("PGPASSWORD"), args));
  }

  /** Runs the check with the given streams and password; returns the exit code. */
  static int run(PrintStream out, PrintStream err, String password, String... args) {
    CommandLine commandLine = new CommandLine(new OracleCheck(out, password));
    commandLine.setOut(new java.io.PrintWriter(out, true));
    commandLine.setParameterExceptionHandler(
        (e, ignored) -> {
          err.println("oracle-check: " + e.getMessage() + " (see --help)");
          return BAD_INPUT;
        });
    commandLine.setExecutionExceptionHandler(
        (e, ignoredCommandLine, ignoredResult) -> {
          if (e instanceof IllegalArgumentException) {
            err.println("oracle-check: " + e.getMessage());
            return BAD_INPUT;
          }
          if (e instanceof SQLException) {
            err.println("oracle-check: " + jdbcUrl(ignoredCommandLine) + ": " + e.getMessage());
            return DATABASE;
          }
          err.println("oracle-check: " + e);
          return DATABASE;
        });
    return commandLine.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    List<Oracles.Oracle> oracles = Oracles.of(PipelineDefinitions.load(pipeline));
    long started = System.nanoTime();
    List<Oracles.Comparison> comparisons;
    try (Connection db = DriverManager.getConnection(jdbcUrl, user, password)) {
      comparisons = Oracles.compareUntilEqual(db, oracles, wait);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    for (Oracles.Comparison comparison : comparisons) {
      if (comparison.equal()) {
        out.printf(
            Locale.ROOT,
            "%s: equal to its oracle (%s)%n",
            comparison.table(),
            rows(comparison.tableRows()));
      } else {
        out.printf(
            Locale.ROOT,
            "%s: %s (table %s, oracle %s); first ones:%n",
            comparison.table(),
            comparison.differing() == 1 ? "1 row differs" : comparison.differing() + " rows differ",
            rows(comparison.tableRows()),
            rows(comparison.oracleRows()));
        comparison.samples().forEach(sample -> out.println("  " + sample));
      }
    }
    boolean equal = allEqual(comparisons);
    out.printf(
        Locale.ROOT,
        "oracle-check: %s after %.1f s%n",
        equal
            ? "every table equals its oracle"
            : comparisons.stream().filter(c -> !c.equal()).count() + " table(s) differ",
        seconds);
    return equal ? 0 : DIFFERS;
  }

  private static String rows(long count) {
    return count == 1 ? "1 row" : count + " rows";
  }

  private static boolean allEqual(List<Oracles.Comparison> comparisons) {
    return comparisons.stream().allMatch(Oracles.Comparison::equal);
  }

  private static String jdbcUrl(CommandLine commandLine) {
    return ((OracleCheck) commandLine.getCommand()).jdbcUrl;
  }
}
