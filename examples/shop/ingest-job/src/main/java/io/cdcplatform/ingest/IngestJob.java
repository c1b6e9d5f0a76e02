package io.cdcplatform.ingest;

import io.cdcplatform.pipeline.Durations;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.api.output.MigrateResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import sun.misc.Signal;

/**
 * The ingest job: migrates the shop schema, sets up the capture role, then writes a realistic,
 * seeded order workload into PostgreSQL at a target rate. Every option can also be set by the
 * environment variable named in its description, which is how Kubernetes configures it.
 */
@Command(
    name = "ingest-job",
    mixinStandardHelpOptions = true,
    version = "ingest-job 0.1.0",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Writes a seeded order workload into PostgreSQL for change data capture.")
public final class IngestJob implements java.util.concurrent.Callable<Integer> {

  static final int EXIT_OK = 0;
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;

  @Option(
      names = "--jdbc-url",
      defaultValue = "${INGEST_JDBC_URL:-jdbc:postgresql://localhost:5432/postgres}",
      converter = JdbcUrlConverter.class,
      description = "PostgreSQL to write to (env INGEST_JDBC_URL; default ${DEFAULT-VALUE}).")
  JdbcTarget target;

  @Option(
      names = "--user",
      defaultValue = "${INGEST_USER:-postgres}",
      description = "Role that owns the shop schema (env INGEST_USER; default ${DEFAULT-VALUE}).")
  String user;

  @Option(
      names = "--password",
      defaultValue = "${INGEST_PASSWORD:-}",
      description = "Password of --user (env INGEST_PASSWORD).")
  String password;

  @Option(
      names = "--migrate",
      negatable = true,
      defaultValue = "${INGEST_MIGRATE:-true}",
      fallbackValue = "true",
      description =
          "Apply the shop's schema migrations before writing (env INGEST_MIGRATE; default"
              + " ${DEFAULT-VALUE}). With --no-migrate the schema must already exist. Capture"
              + " (publication, replica identity, capture role) is source-setup's.")
  boolean migrate;

  @Option(
      names = "--migrate-only",
      defaultValue = "${INGEST_MIGRATE_ONLY:-false}",
      description = "Exit after migrating, without writing a workload (env INGEST_MIGRATE_ONLY).")
  boolean migrateOnly;

  @Option(
      names = "--rate",
      defaultValue = "${INGEST_RATE:-100}",
      converter = RateConverter.class,
      description =
          "Target row changes per second, or 'unlimited' (env INGEST_RATE; default"
              + " ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--total",
      defaultValue = "${INGEST_TOTAL}",
      converter = PositiveLongConverter.class,
      description = "Stop after exactly this many row changes (env INGEST_TOTAL).")
  Long total;

  @Option(
      names = "--duration",
      defaultValue = "${INGEST_DURATION}",
      converter = PositiveDurationConverter.class,
      description = "Stop after this long, e.g. 30s or 10m (env INGEST_DURATION).")
  Duration duration;

  @Option(
      names = "--tx-size",
      defaultValue = "${INGEST_TX_SIZE:-1-5}",
      converter = SizeRangeConverter.class,
      description =
          "Operations per transaction: N, or MIN-MAX drawn uniformly (env INGEST_TX_SIZE; default"
              + " ${DEFAULT-VALUE}).")
  SizeRange transactionSize;

  @Option(
      names = "--mix",
      defaultValue = "${INGEST_MIX:-}",
      converter = MixConverter.class,
      description =
          "Weights of operation kinds replacing the defaults, e.g."
              + " insert-order=50,delete-customer=0 (env INGEST_MIX). Kinds: insert-order,"
              + " order-status, order-amount, order-product, product-category, delete-order,"
              + " insert-customer, delete-customer, insert-product.")
  Mix mix;

  @Option(
      names = "--max-skew",
      defaultValue = "${INGEST_MAX_SKEW:-5s}",
      converter = DurationConverter.class,
      description =
          "How far before its commit an order's event time may lie (env INGEST_MAX_SKEW; default"
              + " ${DEFAULT-VALUE}).")
  Duration maxSkew;

  @Option(
      names = "--late-fraction",
      defaultValue = "${INGEST_LATE_FRACTION:-0.02}",
      converter = FractionConverter.class,
      description =
          "Share of new orders that are very late (env INGEST_LATE_FRACTION; default"
              + " ${DEFAULT-VALUE}).")
  double lateFraction;

  @Option(
      names = "--late-delay",
      defaultValue = "${INGEST_LATE_DELAY:-2m-10m}",
      converter = DurationRangeConverter.class,
      description =
          "How far a very late order's event time lies before its commit, MIN-MAX (env"
              + " INGEST_LATE_DELAY; default ${DEFAULT-VALUE}).")
  DurationRange lateDelay;

  @Option(
      names = "--min-products",
      defaultValue = "${INGEST_MIN_PRODUCTS:-20}",
      description = "Products to create before anything else (env INGEST_MIN_PRODUCTS).")
  int minProducts;

  @Option(
      names = "--min-customers",
      defaultValue = "${INGEST_MIN_CUSTOMERS:-100}",
      description = "Customers to create before anything else (env INGEST_MIN_CUSTOMERS).")
  int minCustomers;

  @Option(
      names = "--seed",
      defaultValue = "${INGEST_SEED}",
      description =
          "Seed of the workload; the same seed on the same data repeats it (env"
              + " INGEST_SEED; default: random, printed at start).")
  Long seed;

  @Option(
      names = "--progress-interval",
      defaultValue = "${INGEST_PROGRESS_INTERVAL:-5s}",
      converter = PositiveDurationConverter.class,
      description = "How often to print a progress line (env INGEST_PROGRESS_INTERVAL).")
  Duration progressInterval;

  @Spec CommandSpec spec;

  private final PrintStream out;
  private final PrintStream err;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private volatile String stopSignal = "";

  IngestJob(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    IngestJob job = new IngestJob(System.out, System.err);
    job.stopOn("TERM");
    job.stopOn("INT");
    System.exit(job.execute(args));
  }

  /** Parses the arguments and runs; returns the exit code. */
  int execute(String... args) {
    CommandLine commandLine = new CommandLine(this);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    commandLine.setParameterExceptionHandler(
        (e, ignored) -> {
          err.println("ingest-job: " + e.getMessage() + " (see --help)");
          return EXIT_USAGE;
        });
    commandLine.setExecutionExceptionHandler(
        (e, ignoredCommandLine, ignoredResult) -> {
          if (e instanceof IngestException) {
            err.println("ingest-job: " + e.getMessage());
          } else if (e instanceof IllegalArgumentException) {
            err.println("ingest-job: " + e.getMessage() + " (see --help)");
            return EXIT_USAGE;
          } else {
            err.println("ingest-job: unexpected failure: " + e);
            e.printStackTrace(err);
          }
          return EXIT_FAILED;
        });
    return commandLine.execute(args);
  }

  /**
   * Checks arguments as {@link #main} reads them, without running: for a launcher that starts the
   * job later and must not start it with arguments it would refuse.
   *
   * @throws IllegalArgumentException with the job's own one-line message
   */
  public static void check(String... args) {
    IngestJob job = new IngestJob(System.out, System.err);
    try {
      new CommandLine(job).parseArgs(args);
      job.shape();
    } catch (ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Asks the run to stop after the open transaction, as the given signal will. */
  void requestStop(String reason) {
    stopSignal = reason;
    stopRequested.set(true);
  }

  private void stopOn(String signal) {
    Signal.handle(new Signal(signal), s -> requestStop("SIG" + s.getName()));
  }

  @Override
  public Integer call() throws IngestException, InterruptedException {
    WorkloadShape shape = shape();
    try (Connection connection = target.connect(user, password, "ingest-job")) {
      out.println("ingest-job: connected to " + target.describe() + " as " + user);
      prepareSchema(connection);
      if (migrateOnly) {
        return EXIT_OK;
      }
      return generate(connection, shape);
    } catch (SQLException e) {
      throw new IngestException(
          "PostgreSQL at "
              + target.describe()
              + " failed: "
              + JdbcTarget.firstLine(e.getMessage())
              + (e.getSQLState() == null ? "" : " (SQL state " + e.getSQLState() + ")"),
          e);
    }
  }

  /** The workload the options describe; options no converter can judge alone are checked here. */
  private WorkloadShape shape() {
    requireAtLeast("--min-products", minProducts, 2);
    requireAtLeast("--min-customers", minCustomers, 1);
    return new WorkloadShape(
        mix,
        transactionSize.min(),
        transactionSize.max(),
        maxSkew,
        lateFraction,
        lateDelay.min(),
        lateDelay.max(),
        minProducts,
        minCustomers);
  }

  private void requireAtLeast(String option, int value, int least) {
    if (value < least) {
      throw new ParameterException(
          spec.commandLine(),
          "Invalid value for option '"
              + option
              + "': expected at least "
              + least
              + ", got "
              + value);
    }
  }

  private void prepareSchema(Connection connection) throws IngestException {
    if (!migrate) {
      ShopSchema.requirePresent(connection, target);
      return;
    }
    MigrateResult result = ShopSchema.migrate(target, user, password);
    out.printf(
        "ingest-job: migrations: %d applied, schema %s at version %s%n",
        result.migrationsExecuted,
        ShopSchema.SCHEMA,
        result.targetSchemaVersion == null
            ? result.initialSchemaVersion
            : result.targetSchemaVersion);
  }

  private int generate(Connection connection, WorkloadShape shape)
      throws SQLException, InterruptedException {
    ShopModel model = ShopModel.load(connection);
    long actualSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
    out.printf(
        Locale.ROOT,
        "ingest-job: starting from %d customers, %d products, %d orders; %s changes/s,"
            + " transactions of %s operations, seed %d%s%n",
        model.customerCount(),
        model.products().size(),
        model.orders().size(),
        Double.isInfinite(rate) ? "unlimited" : String.format(Locale.ROOT, "%.1f", rate),
        transactionSize.min() == transactionSize.max()
            ? String.valueOf(transactionSize.min())
            : transactionSize.min() + "-" + transactionSize.max(),
        actualSeed,
        total == null && duration == null
            ? ", until stopped"
            : (total == null ? "" : ", " + total + " changes")
                + (duration == null ? "" : ", for " + Durations.format(duration)));
    WorkloadRunner runner =
        new WorkloadRunner(
            connection,
            new WorkloadGenerator(shape, actualSeed, model, Clock.systemUTC()),
            new WorkloadRunner.Limits(rate, total, duration),
            progressInterval,
            out);
    long start = System.nanoTime();
    IngestReport report = runner.run(stopRequested::get);
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT,
        "ingest-job: %s after %.1fs: committed %d changes in %d transactions (%.1f/s; %s; %d late"
            + " orders)%n",
        stopRequested.get() ? "stopped by " + stopSignal : "done",
        seconds,
        report.changes(),
        report.transactions(),
        report.changes() / seconds,
        report.perTable(),
        report.lateOrders());
    return EXIT_OK;
  }

  // --- option converters: each failure becomes "Invalid value for option '--x': <message>" ---

  static final class JdbcUrlConverter implements ITypeConverter<JdbcTarget> {
    @Override
    public JdbcTarget convert(String value) {
      try {
        return JdbcTarget.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class RateConverter implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      if (value.trim().equalsIgnoreCase("unlimited")) {
        return Double.POSITIVE_INFINITY;
      }
      double rate;
      try {
        rate = Double.parseDouble(value.trim());
      } catch (NumberFormatException e) {
        rate = Double.NaN;
      }
      if (!(rate > 0) || Double.isInfinite(rate)) {
        throw new TypeConversionException(
            "expected a positive number of changes per second or 'unlimited', got '" + value + "'");
      }
      return rate;
    }
  }

  static final class PositiveLongConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      long number;
      try {
        number = Long.parseLong(value.trim());
      } catch (NumberFormatException e) {
        number = 0;
      }
      if (number < 1) {
        throw new TypeConversionException(
            "expected a whole number of at least 1, got '" + value + "'");
      }
      return number;
    }
  }

  /** Reads a duration option as people write it ({@code 250ms}, {@code 30s}, {@code 5m}). */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class PositiveDurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration duration = new DurationConverter().convert(value);
      if (duration.isZero() || duration.isNegative()) {
        throw new TypeConversionException("expected a duration above zero, got '" + value + "'");
      }
      return duration;
    }
  }

  /** An inclusive range of operations per transaction. */
  record SizeRange(int min, int max) {}

  /** An inclusive range of durations. */
  record DurationRange(Duration min, Duration max) {}

  static final class DurationRangeConverter implements ITypeConverter<DurationRange> {
    @Override
    public DurationRange convert(String value) {
      String[] parts = value.split("-", -1);
      if (parts.length != 2) {
        throw new TypeConversionException("expected MIN-MAX such as 2m-10m, got '" + value + "'");
      }
      DurationConverter single = new DurationConverter();
      Duration min = single.convert(parts[0]);
      Duration max = single.convert(parts[1]);
      if (max.compareTo(min) < 0) {
        throw new TypeConversionException(
            "expected MIN-MAX with MIN no greater than MAX, got '" + value + "'");
      }
      return new DurationRange(min, max);
    }
  }

  static final class SizeRangeConverter implements ITypeConverter<SizeRange> {
    @Override
    public SizeRange convert(String value) {
      String[] parts = value.trim().split("-", -1);
      try {
        int min = Integer.parseInt(parts[0].trim());
        int max = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : min;
        if (parts.length <= 2 && min >= 1 && max >= min && max <= 100_000) {
          return new SizeRange(min, max);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new TypeConversionException(
          "expected N or MIN-MAX with 1 <= MIN <= MAX <= 100000, got '" + value + "'");
    }
  }

  static final class FractionConverter implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      double fraction;
      try {
        fraction = Double.parseDouble(value.trim());
      } catch (NumberFormatException e) {
        fraction = Double.NaN;
      }
      if (!(fraction >= 0 && fraction <= 1)) {
        throw new TypeConversionException(
            "expected a fraction between 0 and 1, got '" + value + "'");
      }
      return fraction;
    }
  }

  static final class MixConverter implements ITypeConverter<Mix> {
    @Override
    public Mix convert(String value) {
      try {
        return Mix.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
