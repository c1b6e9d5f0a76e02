package io.cdcplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The job as users run it: its command line, its environment, its signals and its errors. */
class IngestJobIT {

  @RegisterExtension static final ShopDatabase db = ShopDatabase.empty();

  private record Result(int code, String out, String err) {}

  private static Result runInProcess(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new IngestJob(new PrintStream(out, true), new PrintStream(err, true)).execute(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private String url() {
    return "--jdbc-url=" + db.postgres.jdbcUrl();
  }

  @Test
  void unreachableHostIsOneLineNamingTheUrl() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Result result = runInProcess("--jdbc-url=jdbc:postgresql://127.0.0.1:" + closedPort + "/db");

    assertThat(result.code()).isEqualTo(IngestJob.EXIT_FAILED);
    assertThat(result.err().lines())
        .containsExactly(
            "ingest-job: --jdbc-url: cannot reach PostgreSQL at 127.0.0.1:"
                + closedPort
                + " (java.net.ConnectException: Connection refused)");
  }

  @Test
  void wrongPasswordIsOneLineNamingThePassword() {
    Result result = runInProcess(url(), "--user=" + ShopDatabase.OWNER, "--password=wrong");

    assertThat(result.code()).isEqualTo(IngestJob.EXIT_FAILED);
    assertThat(result.err().lines())
        .containsExactly(
            "ingest-job: --password: PostgreSQL at 127.0.0.1:"
                + db.postgres.port()
                + "/postgres rejected the password of user 'shop_owner'");
  }

  @Test
  void missingDatabaseIsOneLineNamingTheUrl() {
    Result result =
        runInProcess(
            "--jdbc-url=jdbc:postgresql://127.0.0.1:" + db.postgres.port() + "/nosuchdb",
            "--user=" + ShopDatabase.OWNER,
            "--password=" + ShopDatabase.OWNER_PASSWORD);

    assertThat(result.code()).isEqualTo(IngestJob.EXIT_FAILED);
    assertThat(result.err().lines())
        .containsExactly(
            "ingest-job: --jdbc-url: database 'nosuchdb' does not exist at 127.0.0.1:"
                + db.postgres.port());
  }

  @Test
  void missingSchemaWithoutMigrationsIsOneLineSayingHowToCreateIt() {
    Result result =
        runInProcess(
            url(),
            "--user=" + ShopDatabase.OWNER,
            "--password=" + ShopDatabase.OWNER_PASSWORD,
            "--no-migrate");

    assertThat(result.code()).isEqualTo(IngestJob.EXIT_FAILED);
    assertThat(result.err().lines())
        .containsExactly(
            "ingest-job: schema 'shop' is missing from 127.0.0.1:"
                + db.postgres.port()
                + "/postgres: run with --migrate (the default) to create it");
  }

  @Test
  void environmentVariablesConfigureTheJobAndAreValidatedLikeOptions() throws Exception {
    Process process = startJob(Map.of("INGEST_RATE", "-5"));
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.waitFor()).isEqualTo(IngestJob.EXIT_USAGE);
    assertThat(output.lines())
        .containsExactly(
            "ingest-job: Invalid value for option '--rate': expected a positive number of changes"
                + " per second or 'unlimited', got '-5' (see --help)");
  }

  @Test
  void sigtermCommitsTheOpenTransactionAndExitsCleanly() throws Exception {
    Process process =
        startJob(
            Map.of(
                "INGEST_JDBC_URL",
                db.postgres.jdbcUrl(),
                "INGEST_USER",
                ShopDatabase.OWNER,
                "INGEST_PASSWORD",
                ShopDatabase.OWNER_PASSWORD,
                "INGEST_CAPTURE_PASSWORD",
                ShopDatabase.CAPTURE_PASSWORD,
                "INGEST_RATE",
                "2000",
                "INGEST_TX_SIZE",
                "20-60",
                "INGEST_PROGRESS_INTERVAL",
                "500ms",
                "INGEST_SEED",
                "99"));
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(
                              process.getInputStream(), StandardCharsets.UTF_8))) {
                    in.lines().forEach(lines::add);
                  } catch (Exception e) {
                    lines.add("reader failed: " + e);
                  }
                });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (lines.stream().noneMatch(l -> l.startsWith("ingest: "))
        && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    assertThat(lines).anyMatch(l -> l.startsWith("ingest: "));

    process.toHandle().destroy(); // SIGTERM, as Kubernetes sends it
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    reader.join(5_000);

    assertThat(process.exitValue()).isZero();
    String last = lines.getLast();
    assertThat(last).startsWith("ingest-job: stopped by SIGTERM after ");
    Matcher totals =
        Pattern.compile(
                "committed (\\d+) changes .*orders \\+(\\d+) ~\\d+ -(\\d+), customers \\+(\\d+)"
                    + " ~\\d+ -(\\d+), products \\+(\\d+)")
            .matcher(last);
    assertThat(totals.find()).as(last).isTrue();
    assertThat(Long.parseLong(totals.group(1))).isPositive();
    // Every change the job reported is in the database, and nothing it did not report.
    assertThat(db.count("SELECT count(*) FROM shop.orders"))
        .isEqualTo(Long.parseLong(totals.group(2)) - Long.parseLong(totals.group(3)));
    assertThat(db.count("SELECT count(*) FROM shop.customers"))
        .isEqualTo(Long.parseLong(totals.group(4)) - Long.parseLong(totals.group(5)));
    assertThat(db.count("SELECT count(*) FROM shop.products"))
        .isEqualTo(Long.parseLong(totals.group(6)));
    assertThat(
            db.count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ingest-job'"))
        .isZero();
  }

  private static Process startJob(Map<String, String> environment) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                System.getProperty("java.class.path"),
                IngestJob.class.getName())
            .redirectErrorStream(true);
    builder.environment().keySet().removeIf(name -> name.startsWith("INGEST_"));
    builder.environment().putAll(environment);
    return builder.start();
  }
}
