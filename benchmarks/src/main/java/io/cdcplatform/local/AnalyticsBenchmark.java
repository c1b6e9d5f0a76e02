package io.cdcplatform.local;

import io.cdcplatform.health.KafkaProbe;
import io.cdcplatform.health.Oracles;
import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.ingest.WorkloadGenerator;
import io.cdcplatform.ingest.WorkloadRunner;
import io.cdcplatform.ingest.WorkloadShape;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;

/**
 * Drives the workload at increasing rates for a fixed time each and reports, per rate: the achieved
 * rate, the end-to-end latency from a source commit to the analytics row visible in PostgreSQL (a
 * probe order's amount is changed every 200 ms and its customer's row in {@code
 * analytics.customer_value} is polled until it shows the new amount), the job's own latency
 * figures, and whether the job kept up: its backlog (change-topic records not yet committed as
 * consumed by the job, which commits its offsets with each checkpoint) is sampled every second. A
 * rate is kept up when the workload reached it, every probe was seen, and over the second half of
 * the run the backlog never exceeded three seconds of input; the sweep stops at the first rate that
 * is not. It is sustained when it is kept up and the p99 from commit to analytics row stays within
 * a second: a bounded backlog alone allows any latency.
 *
 * <p>Before the sweep, the same stack measures its ceilings ({@link Ceilings}): PostgreSQL's commit
 * rate under pgbench, the logical-decoding rate of that WAL, and Debezium's catch-up rate. Every
 * rate also reports the cores each process used ({@link ProcessCpu}), the stack's memory halfway
 * through, and where the checkpoints' time went ({@link CheckpointStats}). A warm-up run at the
 * first rate comes first and is not reported.
 */
public final class AnalyticsBenchmark {

  static final long PROBE = 9_000_000_001L;

  /** A backlog this small (in records) counts as drained. */
  private static final long DRAINED = 100;

  private AnalyticsBenchmark() {}

  public static void main(String[] args) throws Exception {
    Benchmarks.run("analytics-benchmark", () -> benchmark(args));
  }

  private static void benchmark(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    int seconds = Benchmarks.seconds(args);
    int[] rates = Benchmarks.rates(args, 500, 1000, 1500, 2000, 3000);
    PrintStream out = System.out;
    Path work = Files.createTempDirectory("analytics-bench");
    LocalPipeline pipeline = new LocalPipeline();
    new CommandLine(pipeline)
        .parseArgs("--work-dir", work.toString(), "--no-ingest", "--home", ".");
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      if (pipeline.start() == null) {
        System.setOut(out);
        out.println("the pipeline did not start; see " + work);
        System.exit(1);
      }
      out.printf(
          Locale.ROOT,
          "analytics: memory (PSS) of the whole stack at rest %s%n",
          StackMemory.describe(StackMemory.of(pipeline)));
      // The ceilings' writer picks rows from the whole shop: the probe comes after it.
      List<Ceilings.Ceiling> ceilings = measureCeilings(pipeline, work, seconds, out);
      ShopModel model;
      try (Connection db = owner(pipeline)) {
        model = ShopModel.load(db);
        insertProbe(db);
      }
      measure(pipeline, model, rates[0], Duration.ofSeconds(Math.min(seconds, 20)));
      awaitBacklogDrained(pipeline);
      int sustained = 0;
      List<PeerComparison.Figures> figures = new ArrayList<>();
      for (int rate : rates) {
        Result result = measure(pipeline, model, rate, Duration.ofSeconds(seconds));
        out.println(result.line());
        figures.add(result.figures());
        if (!result.keptUp()) {
          break;
        }
        if (result.sustained()) {
          sustained = rate;
        }
        awaitBacklogDrained(pipeline);
      }
      out.printf(
          Locale.ROOT,
          "analytics: memory (PSS) of the whole stack after the run %s%n",
          StackMemory.describe(StackMemory.of(pipeline)));
      awaitBacklogDrained(pipeline);
      checkOracles(
          pipeline,
          Oracles.of(PipelineDefinitions.load(pipeline.home.resolve(pipeline.pipelinePath))),
          "analytics",
          out);
      // The peer, on the same database and workload, with the product's stack suspended.
      try {
        new PeerComparison(pipeline, work, out).compare(figures, catchUp(ceilings), seconds, model);
      } catch (Exception e) {
        // The product's own figures stand; the line says what the peer did not give.
        out.println("peer: not measured to the end: " + e.getMessage());
      }
      // Last, what the server does on this machine with nothing else running; the stack is not
      // used after this.
      Ceilings alone = new Ceilings(pipeline, work);
      try (Ceilings.Suspended rest = Ceilings.suspend(alone.allButPostgres())) {
        List<Ceilings.Ceiling> ceilingsAlone =
            alone.postgres(Duration.ofSeconds(seconds), "with the rest of the stack suspended");
        ceilingsAlone.forEach(ceiling -> out.println(ceiling.line()));
        ceilings.addAll(ceilingsAlone);
      }
      out.printf(
          Locale.ROOT,
          "analytics: highest sustained rate of those tried (kept up, p99 commit to analytics row"
              + " within %d ms): %s%s%n",
          SUSTAINED_P99_MILLIS,
          sustained == 0 ? "none" : sustained + " changes/s",
          fractions(sustained, ceilings));
    } finally {
      pipeline.stopAll();
      System.setOut(out);
    }
  }

  /** The p99 from commit to analytics row a rate must stay within to count as sustained. */
  static final long SUSTAINED_P99_MILLIS = 1_000;

  private record Result(String line, boolean keptUp, PeerComparison.Figures figures) {
    boolean sustained() {
      return figures.sustained();
    }
  }

  /**
   * PostgreSQL's commit and decoding ceilings and Debezium's catch-up rate, on this run's stack;
   * the job drains the catch-up's backlog before the sweep starts.
   */
  private static List<Ceilings.Ceiling> measureCeilings(
      LocalPipeline pipeline, Path work, int seconds, PrintStream out) throws Exception {
    Ceilings measure = new Ceilings(pipeline, work);
    List<Ceilings.Ceiling> ceilings =
        new ArrayList<>(measure.postgres(Duration.ofSeconds(seconds), "beside the idle stack"));
    Duration backlog = Duration.ofSeconds(Math.min(seconds, 10));
    try (Admin admin = LocalKafkaCluster.admin(pipeline.kafka().bootstrapServers())) {
      ceilings.addAll(
          measure.catchUp(
              admin, CaptureBenchmark.DATA_TOPICS, backlog, () -> backlog(pipeline), DRAINED));
    }
    ceilings.forEach(ceiling -> out.println(ceiling.line()));
    return ceilings;
  }

  /**
   * The product's end-to-end catch-up on the ceilings' backlog: Debezium's drain, then the job's,
   * measured one after the other on the same changes.
   */
  static double catchUp(List<Ceilings.Ceiling> ceilings) {
    double seconds = 0;
    long changes = 0;
    for (Ceilings.Ceiling ceiling : ceilings) {
      if (ceiling.name().startsWith("Debezium catch-up")
          || ceiling.name().startsWith("the job's catch-up")) {
        seconds += ceiling.seconds();
        changes = ceiling.changes();
      }
    }
    return seconds == 0 ? Double.NaN : changes / seconds;
  }

  /**
   * Analytics tables against their oracles once writes have stopped, waiting up to two minutes for
   * them to catch up; one line per table.
   */
  static void checkOracles(
      LocalPipeline pipeline, List<Oracles.Oracle> oracles, String side, PrintStream out)
      throws Exception {
    List<Oracles.Comparison> comparisons;
    // The superuser reads both sides, the source and the analytics tables, as make oracles does.
    try (Connection db = pipeline.postgres().superuserConnection()) {
      comparisons = Oracles.compareUntilEqual(db, oracles, Duration.ofMinutes(2));
    }
    for (Oracles.Comparison comparison : comparisons) {
      out.printf(
          Locale.ROOT,
          "%s: %s %s%n",
          side,
          comparison.table(),
          comparison.equal()
              ? "equals its oracle (" + comparison.tableRows() + " rows)"
              : comparison.differing() + " rows differ from its oracle: " + comparison.samples());
    }
  }

  /** A rate as a fraction of the commit and decoding ceilings of the same run. */
  static String fractions(int rate, List<Ceilings.Ceiling> ceilings) {
    if (rate == 0) {
      return "";
    }
    return ceilings.stream()
        .filter(
            ceiling ->
                ceiling.name().startsWith("PostgreSQL") || ceiling.name().startsWith("logical"))
        .map(
            ceiling ->
                String.format(Locale.ROOT, "%.3f of %s", rate / ceiling.rate(), ceiling.name()))
        .collect(java.util.stream.Collectors.joining("; ", " (", ")"));
  }

  private static Result measure(
      LocalPipeline pipeline, ShopModel model, int rate, Duration duration) throws Exception {
    long startedAt = System.currentTimeMillis();
    CompletableFuture<IngestReport> load = load(pipeline, model, rate, duration);
    // A sample that cannot be read (the brokers' admin API did not answer in time) is counted and
    // named, never taken as a backlog.
    List<Long> backlogs = Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger unread =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<String> unreadWhy =
        new java.util.concurrent.atomic.AtomicReference<>();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(
        () -> {
          try {
            backlogs.add(backlog(pipeline));
          } catch (Exception e) {
            unread.incrementAndGet();
            unreadWhy.compareAndSet(null, String.valueOf(e.getMessage()));
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    Map<String, Long> cpuBefore = ProcessCpu.snapshot(pipeline);
    long cpuStart = System.nanoTime();
    CheckpointStats checkpoints = new CheckpointStats(pipeline.flink().webUrl());
    CompletableFuture<String> memory =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return StackMemory.describe(StackMemory.of(pipeline));
              } catch (Exception e) {
                return "unreadable: " + e.getMessage();
              }
            },
            CompletableFuture.delayedExecutor(duration.toSeconds() / 2, TimeUnit.SECONDS));
    Probes probes;
    try (ProbeWatcher watcher = new ProbeWatcher(pipeline.kafka().bootstrapServers(), PROBE)) {
      probes = probe(pipeline, () -> reader(pipeline), "analytics.customer_value", load, watcher);
    }
    List<Double> latencies = probes.latencies();
    List<Double> toKafka = probes.toKafka();
    int missed = probes.missed();
    IngestReport report = load.get();
    sampler.shutdownNow();
    Map<String, Double> cores =
        ProcessCpu.cores(
            cpuBefore, ProcessCpu.snapshot(pipeline), (System.nanoTime() - cpuStart) / 1e9);
    String checkpointFigures = checkpoints.report();
    List<Long> secondHalf;
    synchronized (backlogs) {
      secondHalf = List.copyOf(backlogs.subList(backlogs.size() / 2, backlogs.size()));
    }
    java.util.OptionalLong worstBacklog = secondHalf.stream().mapToLong(Long::longValue).max();
    double achieved = report.changes() / (double) duration.toSeconds();
    // Kept up: the workload reached its rate (the writer shares the two cores with the stack), no
    // probe was lost, and the job's backlog, read at least a few times, stayed within three seconds
    // of input.
    boolean keptUp =
        missed == 0
            && achieved >= 0.95 * rate
            && secondHalf.size() >= Math.min(3, duration.toSeconds() / 2)
            && worstBacklog.isPresent()
            && worstBacklog.getAsLong() <= 3 * achieved;
    double p99 = percentile(latencies, 0.99);
    boolean sustained = keptUp && p99 <= SUSTAINED_P99_MILLIS;
    String line =
        String.format(
            Locale.ROOT,
            "analytics at %d changes/s (achieved %.0f/s for %ds): commit to analytics row, %d"
                + " probes: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms; of which commit to"
                + " Kafka (Debezium) p50 %.0f ms, p99 %.0f ms; job's own figures per minute %s; backlog"
                + " %s: %s%s%n  CPU over the run: %s%n"
                + "  memory (PSS) halfway: %s%n  %s",
            rate,
            achieved,
            duration.toSeconds(),
            latencies.size(),
            percentile(latencies, 0.50),
            percentile(latencies, 0.90),
            p99,
            latencies.isEmpty() ? Double.NaN : latencies.getLast(),
            percentile(toKafka, 0.50),
            percentile(toKafka, 0.99),
            jobLatency(pipeline, startedAt),
            backlogFigure(worstBacklog, secondHalf.size(), unread.get(), unreadWhy.get()),
            sustained ? "sustained" : keptUp ? "kept up, but p99 above a second" : "fell behind",
            missed == 0 ? "" : "; " + missed + " probes not seen within 30 s",
            ProcessCpu.describe(cores),
            memory.join(),
            checkpointFigures.replace("\n", "\n  "));
    return new Result(
        line,
        keptUp,
        new PeerComparison.Figures(rate, achieved, percentile(latencies, 0.50), p99, sustained));
  }

  /** The worst backlog of the second half, and how many samples could not be read, if any. */
  static String backlogFigure(
      java.util.OptionalLong worst, int samples, int unread, String firstUnreadReason) {
    String figure =
        worst.isPresent()
            ? "at most "
                + worst.getAsLong()
                + " records over the second half ("
                + samples
                + " samples)"
            : "not read over the second half";
    return unread == 0
        ? figure
        : figure + "; " + unread + " samples of the run unread, the first: " + firstUnreadReason;
  }

  /** The default workload at {@code rate} for {@code duration}, over {@code model}, started. */
  static CompletableFuture<IngestReport> load(
      LocalPipeline pipeline, ShopModel model, int rate, Duration duration) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Connection db = owner(pipeline)) {
            return new WorkloadRunner(
                    db,
                    new WorkloadGenerator(WorkloadShape.defaults(), rate, model, Clock.systemUTC()),
                    new WorkloadRunner.Limits(rate, null, duration),
                    duration.plusSeconds(1),
                    new PrintStream(OutputStream.nullOutputStream()))
                .run(() -> false);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** What the probe saw: commit to analytics row, commit to Kafka, and probes never seen. */
  record Probes(List<Double> latencies, List<Double> toKafka, int missed) {}

  /**
   * Until the load is done, every 200 ms: changes the probe order's amount, commits, and polls the
   * probe customer's row in {@code table} (an analytics table of customer_value's shape) until it
   * shows the new amount, up to 30 s. The latencies come back sorted.
   *
   * @param login the login that reads the table
   * @param watcher when the change reached Kafka, or {@code null} for a path without Kafka
   */
  static Probes probe(
      LocalPipeline pipeline,
      java.util.concurrent.Callable<Connection> login,
      String table,
      CompletableFuture<?> load,
      ProbeWatcher watcher)
      throws Exception {
    List<Double> latencies = new ArrayList<>();
    List<Double> toKafka = new ArrayList<>();
    int missed = 0;
    try (Connection writer = owner(pipeline);
        Connection reader = login.call();
        PreparedStatement update =
            writer.prepareStatement("UPDATE shop.orders SET amount = ? WHERE id = ?");
        PreparedStatement read =
            reader.prepareStatement(
                "SELECT paid_amount FROM " + table + " WHERE customer_id = ?")) {
      read.setLong(1, PROBE);
      long cents = System.currentTimeMillis() % 1_000_000;
      TimeUnit.SECONDS.sleep(2);
      while (!load.isDone()) {
        BigDecimal amount = BigDecimal.valueOf(++cents, 2);
        update.setBigDecimal(1, amount);
        update.setLong(2, PROBE);
        update.executeUpdate();
        long committed = System.nanoTime();
        long deadline = committed + TimeUnit.SECONDS.toNanos(30);
        boolean seen = false;
        while (!seen && System.nanoTime() < deadline) {
          try (ResultSet rs = read.executeQuery()) {
            seen = rs.next() && rs.getBigDecimal(1).compareTo(amount) == 0;
          }
          if (!seen) {
            TimeUnit.MILLISECONDS.sleep(5);
          }
        }
        if (seen) {
          latencies.add((System.nanoTime() - committed) / 1e6);
          Long arrived = watcher == null ? null : watcher.arrival(amount.toPlainString());
          if (arrived != null) {
            toKafka.add((arrived - committed) / 1e6);
          }
        } else {
          missed++;
        }
        TimeUnit.MILLISECONDS.sleep(200);
      }
    }
    Collections.sort(latencies);
    Collections.sort(toKafka);
    return new Probes(latencies, toKafka, missed);
  }

  /** Records in the change topics that the job has not consumed yet (by its committed offsets). */
  private static long backlog(LocalPipeline pipeline) {
    try (KafkaProbe kafka =
        new KafkaProbe(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.kafka().bootstrapServers()))) {
      return kafka.consumerLag(FlinkJob.CONSUMER_GROUP);
    }
  }

  private static void awaitBacklogDrained(LocalPipeline pipeline) throws Exception {
    awaitBacklogDrained(pipeline, Duration.ofSeconds(120));
  }

  private static void awaitBacklogDrained(LocalPipeline pipeline, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (backlog(pipeline) > DRAINED && System.nanoTime() < deadline) {
      TimeUnit.SECONDS.sleep(1);
    }
  }

  /** The job's own latency figures (analytics.pipeline_latency_minute) for the minutes of a run. */
  private static String jobLatency(LocalPipeline pipeline, long since) throws Exception {
    try (Connection db = reader(pipeline);
        PreparedStatement query =
            db.prepareStatement(
                "SELECT string_agg(format('p50 %s/p99 %s/max %s ms', p50_ms, p99_ms, max_ms),"
                    + " ', ' ORDER BY minute_start) FROM analytics.pipeline_latency_minute"
                    + " WHERE minute_start >= date_trunc('minute', to_timestamp(? / 1000.0))")) {
      query.setLong(1, since);
      try (ResultSet rs = query.executeQuery()) {
        return rs.next() && rs.getString(1) != null ? "(" + rs.getString(1) + ")" : "(none)";
      }
    }
  }

  static double percentile(List<Double> sorted, double quantile) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1));
  }

  private static void insertProbe(Connection db) throws Exception {
    try (Statement sql = db.createStatement()) {
      sql.execute(
          "INSERT INTO shop.customers (id, name, email, country, created_at) VALUES ("
              + PROBE
              + ", 'Probe', 'probe@example.com', 'DE', now())");
      sql.execute(
          "INSERT INTO shop.products (id, name, category, price) VALUES ("
              + PROBE
              + ", 'Probe', 'books', 1.00)");
      sql.execute(
          "INSERT INTO shop.orders (id, customer_id, product_id, quantity, amount, status,"
              + " created_at) VALUES ("
              + PROBE
              + ", "
              + PROBE
              + ", "
              + PROBE
              + ", 1, 1.00, 'PAID', now())");
    }
  }

  /** The dashboard's read-only login: the analytics tables belong to the job's own role. */
  static Connection reader(LocalPipeline pipeline) throws Exception {
    return DriverManager.getConnection(
        pipeline.postgres().jdbcUrl(), LocalCredentials.READER, LocalCredentials.READER_PASSWORD);
  }

  static Connection owner(LocalPipeline pipeline) throws Exception {
    return DriverManager.getConnection(
        pipeline.postgres().jdbcUrl(), LocalCredentials.OWNER, LocalCredentials.OWNER_PASSWORD);
  }
}
