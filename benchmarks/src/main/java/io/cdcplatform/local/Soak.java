package io.cdcplatform.local;

import io.cdcplatform.health.Oracles;
import io.cdcplatform.health.Stage;
import io.cdcplatform.health.Verdict;
import io.cdcplatform.health.VerdictDocument;
import io.cdcplatform.pipeline.PipelineDefinitions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code make soak}: the local pipeline at a steady rate for a while, with a random crash ({@code
 * kill -9} of PostgreSQL, a broker, Connect or the job) every few minutes, healed by the launcher
 * alone. The verdict is sampled every second. A verdict that is not Ready outside a fault's window
 * is a false alarm; the window runs from the crash until the verdict has been Ready again for
 * {@link #SETTLE}. Each fault must be named by its stage and be Ready again within {@link
 * #RECOVERY_SLO}. At the end the workload stops and every table must equal its oracle. Prints one
 * table; exits 1 when any of that fails.
 *
 * <p>Arguments: minutes (default 30), seconds between faults (default 180), changes per second
 * (default 200), and a seed (default the clock) so that a run can be repeated.
 */
public final class Soak {

  static final Duration RECOVERY_SLO = Duration.ofMinutes(2);
  static final Duration SETTLE = Duration.ofSeconds(60);

  private record Fault(String name, Stage stage, boolean mustShow, Kill kill) {}

  private interface Kill {
    void run(LocalPipeline pipeline) throws Exception;
  }

  private record Outcome(
      String fault,
      Instant at,
      Optional<Duration> named,
      String namedAs,
      Optional<Duration> ready) {}

  private static final List<Fault> FAULTS =
      List.of(
          new Fault(
              "PostgreSQL",
              Stage.SOURCE,
              false,
              p -> p.postgres().postmasterPid().ifPresent(Soak::kill)),
          new Fault(
              "a broker", Stage.TRANSPORT, false, p -> kill(p.kafka().brokers().get(1).pid())),
          new Fault("Connect", Stage.CAPTURE, true, p -> kill(p.connect().process().pid())),
          new Fault("the Flink job", Stage.PROCESSING, true, p -> kill(p.flink().process().pid())));

  /** Seconds between continuous verification rounds: many rounds, each across the faults. */
  private static final int VERIFY_SECONDS = 5;

  private Soak() {}

  public static void main(String[] args) throws Exception {
    Benchmarks.run("soak", () -> soak(args));
  }

  private static void soak(String[] args) throws Exception {
    int minutes = argument(args, 0, "SOAK_MINUTES", 30);
    int every = argument(args, 1, "SOAK_FAULT_SECONDS", 180);
    int rate = argument(args, 2, "SOAK_RATE", 200);
    long seed = args.length > 3 && !args[3].isBlank() ? argument(args, 3, "SOAK_SEED", 0) : now();
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
    Path work = Files.createTempDirectory("soak");
    LocalPipeline pipeline = new LocalPipeline();
    new CommandLine(pipeline)
        .parseArgs(
            "--work-dir",
            work.toString(),
            "--home",
            ".",
            "--rate",
            String.valueOf(rate),
            "--health-interval",
            "1",
            "--status-interval",
            "3600",
            "--verify-interval",
            String.valueOf(VERIFY_SECONDS));
    PrintStream out = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    boolean started = pipeline.start() != null;
    System.setOut(out);
    if (!started) {
      out.println("soak: the pipeline did not start (" + pipeline.failure() + "); see " + work);
      System.exit(1);
    }
    out.printf(
        Locale.ROOT,
        "soak: %d min at %d changes/s, a fault every %d s (seed %d), logs in %s%n",
        minutes,
        rate,
        every,
        seed,
        work);
    // Healthy from the first Ready on: before it, the first heartbeat is still on its way.
    Instant firstReadyBy = Instant.now().plus(RECOVERY_SLO);
    while (!pipeline.health().latest().verdict().ready().isTrue()) {
      if (Instant.now().isAfter(firstReadyBy)) {
        out.println(
            "soak: never Ready after the start: "
                + VerdictDocument.line(pipeline.health().latest().verdict()));
        pipeline.stopAll();
        System.exit(1);
      }
      TimeUnit.SECONDS.sleep(1);
    }
    Random random = new Random(seed);
    List<Outcome> outcomes = new ArrayList<>();
    List<String> falseAlarms = new ArrayList<>();
    Instant end = Instant.now().plus(Duration.ofMinutes(minutes));
    Instant nextFault = Instant.now().plusSeconds(every / 2 + random.nextInt(every));
    Instant windowEnd = Instant.MIN;
    Instant readySince = Instant.now();
    Fault current = null;
    Outcome open = null;
    boolean outage = false;
    try {
      while (Instant.now().isBefore(end)) {
        TimeUnit.SECONDS.sleep(1);
        HealthMonitor.Judged latest = pipeline.health().latest();
        Verdict verdict = latest.verdict();
        boolean ready = verdict.ready().isTrue();
        Instant now = Instant.now();
        if (open != null && latest.at().isBefore(open.at())) {
          continue; // judged before the crash: says nothing about it
        }
        if (open != null) {
          if (open.named().isEmpty()
              && verdict.failingStage().filter(current.stage()::equals).isPresent()) {
            open =
                new Outcome(
                    open.fault(),
                    open.at(),
                    Optional.of(Duration.between(open.at(), latest.at())),
                    verdict.condition(current.stage()).type()
                        + " "
                        + verdict.condition(current.stage()).reason(),
                    open.ready());
          }
          if (!ready) {
            outage = true;
          }
          // Ready again only after the verdict left Ready: a look just after the kill can still
          // see the process that is dying.
          if (ready && outage && open.ready().isEmpty()) {
            open =
                new Outcome(
                    open.fault(),
                    open.at(),
                    open.named(),
                    open.namedAs(),
                    Optional.of(Duration.between(open.at(), latest.at())));
          }
          if (!ready) {
            readySince = now;
          } else if (Duration.between(readySince, now).compareTo(SETTLE) >= 0
              || Duration.between(open.at(), now).compareTo(RECOVERY_SLO.plus(SETTLE)) > 0) {
            outcomes.add(open);
            out.println("soak: " + line(open, current));
            windowEnd = now;
            open = null;
          }
        } else if (!ready && now.isAfter(windowEnd)) {
          String alarm = now + " " + VerdictDocument.line(verdict);
          if (falseAlarms.isEmpty()
              || !falseAlarms.get(falseAlarms.size() - 1).endsWith(VerdictDocument.line(verdict))) {
            falseAlarms.add(alarm);
            out.println("soak: false alarm while healthy: " + alarm);
          }
        }
        if (open == null && now.isAfter(nextFault) && now.plus(RECOVERY_SLO).isBefore(end)) {
          current = FAULTS.get(random.nextInt(FAULTS.size()));
          out.printf(Locale.ROOT, "soak: %s killed (kill -9) at %s%n", current.name(), now);
          current.kill().run(pipeline);
          open = new Outcome(current.name(), Instant.now(), Optional.empty(), "", Optional.empty());
          outage = false;
          readySince = Instant.now();
          nextFault = now.plusSeconds(every / 2 + random.nextInt(every));
        }
      }
      if (open != null) {
        outcomes.add(open);
      }
      pipeline.ingest().stop(Duration.ofSeconds(20));
      List<Oracles.Comparison> comparisons;
      try (Connection db = pipeline.postgres().superuserConnection()) {
        comparisons =
            Oracles.compareUntilEqual(
                db,
                Oracles.of(PipelineDefinitions.load(Path.of(ChartFiles.DEFAULT_PIPELINE))),
                Duration.ofMinutes(3));
      }
      boolean equal = comparisons.stream().allMatch(Oracles.Comparison::equal);
      java.util.Map<String, Long> rounds = verificationRounds(pipeline);
      // A differing round is a false alarm too: nothing in the soak writes the analytics tables.
      boolean failed = !equal || !falseAlarms.isEmpty() || rounds.getOrDefault("differing", 0L) > 0;
      out.println();
      out.println("| fault (kill -9) | at | named as | detected | Ready again | within the SLO |");
      out.println("|---|---|---|---|---|---|");
      for (Outcome outcome : outcomes) {
        Fault fault =
            FAULTS.stream().filter(f -> f.name().equals(outcome.fault())).findFirst().get();
        // A fault the verdict never saw (healed within a look) is within the SLO by definition.
        boolean withinSlo =
            outcome.named().isEmpty()
                || outcome.ready().filter(d -> d.compareTo(RECOVERY_SLO) <= 0).isPresent();
        failed |= !withinSlo || (fault.mustShow() && outcome.named().isEmpty());
        out.printf(
            Locale.ROOT,
            "| %s | %s | %s | %s | %s | %s |%n",
            outcome.fault(),
            outcome.at().toString().substring(11, 19),
            outcome.named().isPresent() ? outcome.namedAs() : "not named (healed within a look)",
            outcome.named().map(Soak::seconds).orElse("-"),
            outcome
                .ready()
                .map(Soak::seconds)
                .orElse(outcome.named().isPresent() ? "not Ready" : "-"),
            withinSlo ? "yes" : "NO");
      }
      out.printf(
          Locale.ROOT,
          "%nsoak: %d faults in %d min; false alarms while healthy: %d; continuous verification"
              + " rounds (every %d s) by outcome: %s; tables equal to their oracles at the end: %s;"
              + " recovery SLO %d s%s%n",
          outcomes.size(),
          minutes,
          falseAlarms.size(),
          VERIFY_SECONDS,
          rounds,
          equal ? "yes" : "NO " + comparisons,
          RECOVERY_SLO.toSeconds(),
          failed ? " - FAILED" : "");
      pipeline.stopAll();
      System.exit(failed ? 1 : 0);
    } finally {
      pipeline.stopAll();
    }
  }

  /** The continuous verification rounds of the run, counted by outcome. */
  private static java.util.Map<String, Long> verificationRounds(LocalPipeline pipeline)
      throws java.sql.SQLException {
    java.util.Map<String, Long> rounds = new java.util.TreeMap<>();
    try (Connection db = pipeline.postgres().superuserConnection();
        java.sql.Statement sql = db.createStatement();
        java.sql.ResultSet row =
            sql.executeQuery(
                "SELECT outcome, count(*) FROM analytics.verification GROUP BY outcome")) {
      while (row.next()) {
        rounds.put(row.getString(1), row.getLong(2));
      }
    }
    return rounds;
  }

  private static String line(Outcome outcome, Fault fault) {
    return String.format(
        Locale.ROOT,
        "%s: named %s, Ready again %s",
        fault.name(),
        outcome
            .named()
            .map(d -> "as " + outcome.namedAs() + " after " + seconds(d))
            .orElse("never"),
        outcome.ready().map(Soak::seconds).orElse("never"));
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }

  private static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  private static int argument(String[] args, int index, String name, int fallback) {
    if (args.length <= index || args[index].isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(args[index].trim());
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        name + ": expected a whole number of at least 1, got '" + args[index] + "'");
  }
}
