package io.cdcplatform.local;

import io.cdcplatform.devservices.LocalPostgres;
import io.cdcplatform.health.Oracles;
import io.cdcplatform.ingest.IngestReport;
import io.cdcplatform.ingest.ShopModel;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The peer side of {@code make bench-analytics}: the same analytics computed by a Flink job that
 * reads PostgreSQL directly with Flink CDC (module {@code peer-flink-cdc}, started here as a JVM of
 * its own with the same options as the product's job), on the same machine, database and workload,
 * while the product's brokers, Connect and job are suspended. It measures the peer's initial
 * snapshot, its catch-up on a backlog and, at each rate the product was driven at, the same probe
 * from commit to analytics row; then checks the peer's tables against the same oracles, and prints
 * both side by side as ratios.
 */
final class PeerComparison {

  /** The schema the peer writes its analytics tables to. */
  static final String SCHEMA = "peer_analytics";

  private static final String SLOT = "peer_flink_cdc";

  /** One rate's figures, of either side. */
  record Figures(int rate, double achieved, double p50, double p99, boolean sustained) {}

  private final LocalPipeline pipeline;
  private final Path work;
  private final PrintStream out;

  PeerComparison(LocalPipeline pipeline, Path work, PrintStream out) {
    this.pipeline = pipeline;
    this.work = work;
    this.out = out;
  }

  /**
   * Runs the peer at each of the product's rates and prints its figures and the ratios.
   *
   * @param platform the product's figures at the rates it was driven at, in order
   * @param platformCatchUp the product's catch-up (Debezium then the job) in changes/s
   * @param model the shop as the product's sweep wrote it: without the probe, which no write but
   *     the probe's own may touch
   */
  void compare(List<Figures> platform, double platformCatchUp, int seconds, ShopModel model)
      throws Exception {
    Ceilings stack = new Ceilings(pipeline, work);
    try (Ceilings.Suspended suspended = Ceilings.suspend(stack.allButPostgres())) {
      SupervisedChild peer = start();
      try {
        long started = System.nanoTime();
        awaitProbe(peer, null, Duration.ofMinutes(10));
        out.printf(
            Locale.ROOT,
            "peer (Flink CDC postgres-cdc, no Connect, no Kafka): initial snapshot of the shop"
                + " and first results in %.1f s%n",
            (System.nanoTime() - started) / 1e9);
        double catchUp = catchUp(peer, Duration.ofSeconds(Math.min(seconds, 10)), model);
        List<Figures> peerFigures = new ArrayList<>();
        for (Figures side : platform) {
          peerFigures.add(measure(peer, side.rate(), Duration.ofSeconds(seconds), model));
        }
        awaitEqual();
        out.printf(
            Locale.ROOT,
            "peer: memory (PSS) of its JVM %d MB, beside PostgreSQL's%n",
            StackMemory.pss(peer.pid()) / 1024);
        out.println(ratios(platform, peerFigures, platformCatchUp, catchUp));
      } finally {
        peer.stop(Duration.ofSeconds(10));
      }
    } finally {
      dropSlot();
    }
  }

  /** The peer's JVM, on the peer module's classpath, with the product job's own options. */
  private SupervisedChild start() throws IOException {
    int restPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      restPort = socket.getLocalPort();
    }
    LocalPostgres postgres = pipeline.postgres();
    ChildSpec spec =
        new ChildSpec(
            "flink-cdc-peer",
            FlinkJob.classpath(pipeline.home, "peer-flink-cdc"),
            "io.cdcplatform.flink.FlinkCdcPeerJob",
            FlinkJob.JVM_OPTIONS,
            List.of(
                "--pipeline",
                pipeline.home.resolve(pipeline.pipelinePath).toAbsolutePath().toString(),
                "--jdbc-url",
                postgres.jdbcUrl(),
                "--jdbc-user",
                LocalPostgres.SUPERUSER,
                "--jdbc-password",
                "",
                "--checkpoint-dir",
                work.resolve("peer-checkpoints").toUri().toString(),
                "--rest-port",
                String.valueOf(restPort),
                "--source-host",
                "127.0.0.1",
                "--source-port",
                String.valueOf(postgres.port()),
                "--source-database",
                LocalPostgres.DATABASE,
                "--source-user",
                LocalPostgres.SUPERUSER,
                "--source-password",
                "",
                "--slot",
                SLOT,
                "--output-schema",
                SCHEMA,
                // The product's connector's own pace: how often Debezium hands over its changes.
                "--debezium-properties",
                debeziumPace()),
            Map.of(),
            work.resolve("flink-cdc-peer.log"));
    webUrl = "http://127.0.0.1:" + restPort;
    return SupervisedChild.start(spec, new PrintStream(OutputStream.nullOutputStream()), false);
  }

  private String webUrl;

  /** The settings of the chart's connector that decide how fast Debezium hands changes over. */
  private String debeziumPace() {
    Map<String, String> connector =
        new ChartFiles(pipeline.home.resolve("helm/cdc-platform")).connector();
    StringBuilder pace = new StringBuilder();
    for (String key : List.of("poll.interval.ms", "max.batch.size", "max.queue.size")) {
      if (connector.containsKey(key)) {
        pace.append(pace.isEmpty() ? "" : ",").append(key).append('=').append(connector.get(key));
      }
    }
    return pace.toString();
  }

  /** Waits until the probe customer's row shows {@code amount} (any row when null). */
  private void awaitProbe(SupervisedChild peer, BigDecimal amount, Duration limit)
      throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    // The superuser: the peer grants the dashboard's login its schema only after its tables exist.
    try (Connection db = pipeline.postgres().superuserConnection()) {
      while (System.nanoTime() < deadline) {
        if (!peer.isAlive() && peer.restarts() > 3) {
          throw new IllegalStateException(
              "the Flink CDC peer keeps failing; see " + peer.logFile());
        }
        if (shows(db, amount)) {
          return;
        }
        TimeUnit.MILLISECONDS.sleep(20);
      }
    }
    throw new IllegalStateException(
        "the Flink CDC peer did not show the probe within "
            + limit.toSeconds()
            + " s; see "
            + peer.logFile());
  }

  private static boolean shows(Connection db, BigDecimal amount) throws Exception {
    try (Statement sql = db.createStatement();
        ResultSet rs =
            sql.executeQuery("SELECT to_regclass('" + SCHEMA + ".customer_value') IS NOT NULL")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        return false;
      }
    }
    try (PreparedStatement read =
        db.prepareStatement(
            "SELECT paid_amount FROM " + SCHEMA + ".customer_value WHERE customer_id = ?")) {
      read.setLong(1, AnalyticsBenchmark.PROBE);
      try (ResultSet rs = read.executeQuery()) {
        return rs.next() && (amount == null || rs.getBigDecimal(1).compareTo(amount) == 0);
      }
    }
  }

  /**
   * The peer suspended while the project's writer builds a backlog at full speed, then a marker
   * (the probe's amount) committed after it: changes/s from resume until the marker shows.
   */
  private double catchUp(SupervisedChild peer, Duration backlog, ShopModel model) throws Exception {
    IngestReport report;
    BigDecimal marker = BigDecimal.valueOf(System.currentTimeMillis() % 1_000_000 + 7, 2);
    long start;
    try (Ceilings.Suspended suspended = Ceilings.suspend(List.of(peer.pid()))) {
      report = CaptureBenchmark.writeAtFullSpeed(pipeline, backlog, model);
      try (Connection db = AnalyticsBenchmark.owner(pipeline);
          PreparedStatement update =
              db.prepareStatement("UPDATE shop.orders SET amount = ? WHERE id = ?")) {
        update.setBigDecimal(1, marker);
        update.setLong(2, AnalyticsBenchmark.PROBE);
        update.executeUpdate();
      }
      start = System.nanoTime();
    }
    awaitProbe(peer, marker, Duration.ofMinutes(5));
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = report.changes() / seconds;
    out.printf(
        Locale.ROOT,
        "peer: catch-up, resume to the marker committed after the backlog visible (%,d changes"
            + " written while suspended): %,.0f changes/s (%.1f s)%n",
        report.changes(),
        rate,
        seconds);
    return rate;
  }

  private Figures measure(SupervisedChild peer, int rate, Duration duration, ShopModel model)
      throws Exception {
    CompletableFuture<IngestReport> load = AnalyticsBenchmark.load(pipeline, model, rate, duration);
    long cpuStart = System.nanoTime();
    Map<String, Long> cpuBefore = cpu(peer);
    CheckpointStats checkpoints = new CheckpointStats(webUrl);
    AnalyticsBenchmark.Probes probes =
        AnalyticsBenchmark.probe(
            pipeline,
            () -> pipeline.postgres().superuserConnection(),
            SCHEMA + ".customer_value",
            load,
            null);
    IngestReport report = load.get();
    Map<String, Double> cores =
        ProcessCpu.cores(cpuBefore, cpu(peer), (System.nanoTime() - cpuStart) / 1e9);
    double achieved = report.changes() / (double) duration.toSeconds();
    List<Double> latencies = probes.latencies();
    double p99 = AnalyticsBenchmark.percentile(latencies, 0.99);
    boolean sustained =
        probes.missed() == 0
            && achieved >= 0.95 * rate
            && p99 <= AnalyticsBenchmark.SUSTAINED_P99_MILLIS;
    Figures figures =
        new Figures(rate, achieved, AnalyticsBenchmark.percentile(latencies, 0.50), p99, sustained);
    out.printf(
        Locale.ROOT,
        "peer at %d changes/s (achieved %.0f/s for %ds): commit to analytics row, %d probes: p50"
            + " %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms%s: %s%n  CPU: %s%n  %s%n",
        rate,
        achieved,
        duration.toSeconds(),
        latencies.size(),
        figures.p50(),
        AnalyticsBenchmark.percentile(latencies, 0.90),
        p99,
        latencies.isEmpty() ? Double.NaN : latencies.getLast(),
        probes.missed() == 0 ? "" : "; " + probes.missed() + " probes not seen within 30 s",
        sustained ? "sustained" : "not sustained",
        ProcessCpu.describe(cores),
        checkpoints.report().replace("\n", "\n  "));
    return figures;
  }

  /** CPU ticks so far of the peer and of PostgreSQL (with its reaped backends). */
  private Map<String, Long> cpu(SupervisedChild peer) {
    Map<String, Long> ticks = new java.util.LinkedHashMap<>();
    ticks.put("peer", ProcessCpu.of(peer.pid()).self());
    ticks.put("PostgreSQL", pipeline.postgres().postmasterPid().map(ProcessCpu::ofTree).orElse(0L));
    return ticks;
  }

  /** The peer's tables against the same oracles as the product's, once writes have stopped. */
  private void awaitEqual() throws Exception {
    List<Oracles.Oracle> oracles = new ArrayList<>();
    for (Oracles.Oracle oracle :
        Oracles.of(PipelineDefinitions.load(pipeline.home.resolve(pipeline.pipelinePath)))) {
      oracles.add(
          new Oracles.Oracle(
              SCHEMA + "." + oracle.table().substring(oracle.table().indexOf('.') + 1),
              oracle.sql()));
    }
    AnalyticsBenchmark.checkOracles(pipeline, oracles, "peer", out);
  }

  /** Both sides at each rate, and their highest sustained rates and catch-up, as one line. */
  static String ratios(
      List<Figures> platform, List<Figures> peer, double platformCatchUp, double peerCatchUp) {
    StringBuilder line =
        new StringBuilder("platform / peer, same run: highest sustained rate ")
            .append(sustainedRate(platform))
            .append(" / ")
            .append(sustainedRate(peer));
    for (int i = 0; i < platform.size(); i++) {
      Figures ours = platform.get(i);
      Figures theirs = peer.get(i);
      line.append(
          String.format(
              Locale.ROOT,
              "; at %d/s p99 %.0f / %.0f ms (%.2f), p50 %.0f / %.0f ms",
              ours.rate(),
              ours.p99(),
              theirs.p99(),
              ours.p99() / theirs.p99(),
              ours.p50(),
              theirs.p50()));
    }
    line.append(
        String.format(
            Locale.ROOT,
            "; catch-up %,.0f / %,.0f changes/s (%.2f)",
            platformCatchUp,
            peerCatchUp,
            platformCatchUp / peerCatchUp));
    return line.toString();
  }

  private static String sustainedRate(List<Figures> figures) {
    return figures.stream().filter(Figures::sustained).mapToInt(Figures::rate).max().stream()
        .mapToObj(rate -> rate + "/s")
        .findFirst()
        .orElse("none");
  }

  /** Drops the peer's slot and publication, so the server keeps no WAL for it. */
  private void dropSlot() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Connection db = pipeline.postgres().superuserConnection();
          Statement sql = db.createStatement()) {
        sql.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = '"
                + SLOT
                + "'");
        sql.execute("DROP PUBLICATION IF EXISTS " + SLOT + "_publication");
        return;
      } catch (Exception e) {
        // The walsender may still be stopping.
        if (System.nanoTime() > deadline) {
          out.println("peer: could not drop replication slot " + SLOT + ": " + e.getMessage());
          return;
        }
        try {
          TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
