package io.cdcplatform.local;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.ingest.IngestReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;

/**
 * What the machine can do without the pipeline, measured on the pipeline's own PostgreSQL server
 * (same settings, same cores, the rest of the stack running idle beside it), so the pipeline's
 * figures can be read as fractions of them:
 *
 * <ul>
 *   <li>the commit ceiling: {@code pgbench}'s TPC-B-like script, 4 clients, into a database of its
 *       own; each transaction changes four rows (three updates and an insert);
 *   <li>the logical-decoding ceiling of that same WAL: a pgoutput slot created before the run is
 *       read to the end with {@code pg_recvlogical} over the replication protocol, no Debezium;
 *   <li>Debezium's catch-up rate: the connector is paused and the job suspended, the project's
 *       writer builds a backlog at full speed, the connector is resumed and the time until every
 *       change is in Kafka is taken;
 *   <li>the job's catch-up rate: then the job is let go, and the time until it has consumed that
 *       backlog is taken.
 * </ul>
 *
 * The PostgreSQL ceilings are measured twice: beside the idle stack (what the pipeline can have),
 * and with every other process of the stack suspended (what the server can do on this machine).
 * Each figure comes with the cores every process of the stack used meanwhile ({@link ProcessCpu}).
 * A suspended process is stopped with SIGSTOP and continued with SIGCONT: it keeps its state and
 * its connections, and only its clocks jump.
 */
final class Ceilings {

  /** Row changes in one transaction of pgbench's built-in TPC-B-like script. */
  static final int CHANGES_PER_PGBENCH_TRANSACTION = 4;

  private static final String DATABASE = "bench_ceiling";
  private static final Pattern PROCESSED =
      Pattern.compile("number of transactions actually processed: (\\d+)");
  private static final Pattern TPS =
      Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

  /** One measured ceiling: changes per second and the cores each process used meanwhile. */
  record Ceiling(String name, long changes, double seconds, Map<String, Double> cores) {
    double rate() {
      return changes / seconds;
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "ceiling: %s: %,.0f changes/s (%,d changes in %.1fs); %s",
          name,
          rate(),
          changes,
          seconds,
          ProcessCpu.describe(cores));
    }
  }

  /** What pgbench reported: the transactions it committed and its rate. */
  record PgbenchResult(long transactions, double tps) {}

  private final LocalPipeline pipeline;
  private final Path work;

  Ceilings(LocalPipeline pipeline, Path work) {
    this.pipeline = pipeline;
    this.work = work;
  }

  /** Reads pgbench's summary; a summary without its figures is refused with its text. */
  static PgbenchResult parsePgbench(String output) {
    Matcher processed = PROCESSED.matcher(output);
    Matcher tps = TPS.matcher(output);
    if (!processed.find() || !tps.find()) {
      throw new IllegalStateException(
          "pgbench printed no 'number of transactions actually processed' and 'tps' lines: "
              + output.strip());
    }
    return new PgbenchResult(Long.parseLong(processed.group(1)), Double.parseDouble(tps.group(1)));
  }

  /**
   * The commit ceiling and the decoding ceiling of the WAL it wrote, in that order. The database,
   * its publication and its slot are dropped afterwards, so no WAL is held for them.
   */
  List<Ceiling> postgres(Duration duration, String where) throws Exception {
    LocalPostgres postgres = pipeline.postgres();
    try (Connection admin = postgres.superuserConnection();
        Statement sql = admin.createStatement()) {
      sql.execute("DROP DATABASE IF EXISTS " + DATABASE);
      sql.execute("CREATE DATABASE " + DATABASE);
    }
    try {
      run("pgbench", "-i", "-q", "-s", "10", DATABASE);
      try (Connection bench =
              DriverManager.getConnection(
                  "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + DATABASE,
                  LocalPostgres.SUPERUSER,
                  "");
          Statement sql = bench.createStatement()) {
        sql.execute(
            "CREATE PUBLICATION "
                + DATABASE
                + " FOR TABLE pgbench_accounts, pgbench_branches, pgbench_tellers,"
                + " pgbench_history");
        sql.execute("SELECT pg_create_logical_replication_slot('" + DATABASE + "', 'pgoutput')");
        Map<String, Long> before = ProcessCpu.snapshot(pipeline);
        long start = System.nanoTime();
        PgbenchResult result =
            parsePgbench(
                run(
                    "pgbench",
                    "-n",
                    "-M",
                    "prepared",
                    "-c",
                    "4",
                    "-j",
                    "2",
                    "-T",
                    String.valueOf(duration.toSeconds()),
                    DATABASE));
        double written = (System.nanoTime() - start) / 1e9;
        Map<String, Long> afterWrites = ProcessCpu.snapshot(pipeline);
        long changes = result.transactions() * CHANGES_PER_PGBENCH_TRANSACTION;
        Ceiling commits =
            new Ceiling(
                "PostgreSQL commits (pgbench TPC-B, 4 clients, prepared statements) " + where,
                changes,
                changes / (result.tps() * CHANGES_PER_PGBENCH_TRANSACTION),
                ProcessCpu.cores(before, afterWrites, written));
        String end;
        try (ResultSet rs = sql.executeQuery("SELECT pg_current_wal_lsn()::text")) {
          rs.next();
          end = rs.getString(1);
        }
        long decodeStart = System.nanoTime();
        run(
            "pg_recvlogical",
            "-d",
            DATABASE,
            "--slot",
            DATABASE,
            "--start",
            "--endpos",
            end,
            "--no-loop",
            "-o",
            "proto_version=1",
            "-o",
            "publication_names=" + DATABASE,
            "-f",
            "/dev/null");
        double decoded = (System.nanoTime() - decodeStart) / 1e9;
        Ceiling decoding =
            new Ceiling(
                "logical decoding of that WAL (pgoutput, pg_recvlogical, no Debezium) " + where,
                changes,
                decoded,
                ProcessCpu.cores(afterWrites, ProcessCpu.snapshot(pipeline), decoded));
        sql.execute("SELECT pg_drop_replication_slot('" + DATABASE + "')");
        return List.of(commits, decoding);
      }
    } finally {
      try (Connection admin = postgres.superuserConnection();
          Statement sql = admin.createStatement()) {
        sql.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = '"
                + DATABASE
                + "'");
        sql.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
      }
    }
  }

  /**
   * Debezium's catch-up rate and the job's: the connector is paused and the job suspended while the
   * project's writer commits a backlog at full speed for {@code backlog}, then the connector is
   * resumed; Debezium's rate is the changes committed over the time from the resume until all of
   * them are in the change topics. Then the job is continued, and its rate is the same changes over
   * the time until its consumer lag ({@code lag}) is down to {@code drained} records. While paused,
   * the connector still reads WAL into its queue ({@code max.queue.size}), so a queue's worth of
   * the backlog is decoded before the clock starts.
   */
  List<Ceiling> catchUp(Admin admin, List<String> topics, Duration backlog, Lag lag, long drained)
      throws Exception {
    ConnectWorker connect = pipeline.connect();
    List<Ceiling> ceilings = new ArrayList<>();
    connect.control(LocalPipeline.CONNECTOR, "pause");
    awaitConnector(connect, "PAUSED");
    StatusLine offsets = new StatusLine(admin, topics);
    long before = CaptureBenchmark.total(offsets.endOffsets());
    IngestReport report;
    Map<String, Long> cpuBefore;
    long start;
    try (Suspended job = suspend(List.of(pipeline.flink().process().pid()))) {
      report = CaptureBenchmark.writeAtFullSpeed(pipeline, backlog);
      long expected = CaptureBenchmark.records(report);
      cpuBefore = ProcessCpu.snapshot(pipeline);
      start = System.nanoTime();
      connect.control(LocalPipeline.CONNECTOR, "resume");
      long deadline = start + TimeUnit.MINUTES.toNanos(10);
      while (CaptureBenchmark.total(offsets.endOffsets()) - before < expected) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Debezium did not deliver the " + expected + " records of the backlog in 10 minutes");
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      ceilings.add(
          new Ceiling(
              String.format(
                  Locale.ROOT,
                  "Debezium catch-up, resume to all in Kafka, the job suspended (%,d changes"
                      + " written while paused at %,.0f/s by the project's writer, transactions of"
                      + " 10)",
                  report.changes(),
                  report.changes() / (double) backlog.toSeconds()),
              report.changes(),
              seconds,
              ProcessCpu.cores(cpuBefore, ProcessCpu.snapshot(pipeline), seconds)));
      cpuBefore = ProcessCpu.snapshot(pipeline);
      start = System.nanoTime();
    }
    long deadline = start + TimeUnit.MINUTES.toNanos(10);
    while (lag.records() > drained) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the job did not consume the backlog in 10 minutes");
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    ceilings.add(
        new Ceiling(
            "the job's catch-up on that backlog, continued to consumed (offsets committed by a"
                + " checkpoint)",
            report.changes(),
            seconds,
            ProcessCpu.cores(cpuBefore, ProcessCpu.snapshot(pipeline), seconds)));
    return ceilings;
  }

  /** The job's consumer lag, in records. */
  interface Lag {
    long records() throws Exception;
  }

  /** Processes stopped with SIGSTOP until closed, then continued with SIGCONT. */
  static final class Suspended implements AutoCloseable {
    private final List<Long> pids;

    private Suspended(List<Long> pids) {
      this.pids = pids;
    }

    @Override
    public void close() throws IOException, InterruptedException {
      signal("CONT", pids);
    }
  }

  /** Suspends processes until the result is closed. */
  static Suspended suspend(List<Long> pids) throws IOException, InterruptedException {
    signal("STOP", pids);
    return new Suspended(pids);
  }

  /** Every process of the stack but PostgreSQL. */
  List<Long> allButPostgres() {
    List<Long> pids = new ArrayList<>();
    pipeline.kafka().brokers().forEach(broker -> pids.add(broker.pid()));
    pids.add(pipeline.connect().process().pid());
    pids.add(pipeline.flink().process().pid());
    return pids;
  }

  private static void signal(String signal, List<Long> pids)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(pid -> command.add(String.valueOf(pid)));
    Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(kill.getInputStream().readAllBytes());
    if (kill.waitFor() != 0) {
      throw new IllegalStateException(
          "kill -" + signal + " " + pids + " failed: " + output.strip());
    }
  }

  private static void awaitConnector(ConnectWorker connect, String state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!state.equals(connect.state(LocalPipeline.CONNECTOR).connector())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the connector did not become " + state + " in 60 s");
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** Runs a PostgreSQL client tool against the pipeline's server; its output, or why it failed. */
  private String run(String tool, String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(tool);
    command.addAll(
        List.of(
            "-h",
            "127.0.0.1",
            "-p",
            String.valueOf(pipeline.postgres().port()),
            "-U",
            LocalPostgres.SUPERUSER));
    command.addAll(List.of(arguments));
    Path log = work.resolve(tool + ".log");
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          tool
              + " is not on the PATH: the ceilings need PostgreSQL's client programs (on Debian:"
              + " apt-get install postgresql-client)");
    }
    if (!process.waitFor(15, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(tool + " did not finish in 15 minutes; see " + log);
    }
    String output = Files.readString(log);
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          tool + " failed (exit " + process.exitValue() + "): " + output.strip());
    }
    return output;
  }
}
