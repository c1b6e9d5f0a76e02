package io.cdcplatform.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cdcplatform.health.Oracles;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;

/** Starts the local pipeline in the test's JVM on free ports, and reads what reached Kafka. */
final class TestPipelines {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A record of a change topic: its key and value as JSON; value null for a tombstone. */
  record Change(String topic, int partition, long offset, JsonNode key, JsonNode value) {
    String op() {
      return value == null ? "tombstone" : value.path("op").asText();
    }

    JsonNode before() {
      return value.path("before");
    }

    JsonNode after() {
      return value.path("after");
    }

    long lsn() {
      return value == null ? -1 : value.path("source").path("lsn").asLong();
    }
  }

  private TestPipelines() {}

  /** The arguments of a pipeline on free ports, writing into {@code work}. */
  static List<String> arguments(Path work) {
    List<String> arguments = new ArrayList<>();
    arguments.addAll(List.of("--pg-port", String.valueOf(freePort())));
    arguments.addAll(List.of("--kafka-port", String.valueOf(freeKafkaBase())));
    arguments.addAll(List.of("--connect-port", String.valueOf(freePort())));
    arguments.addAll(List.of("--flink-port", String.valueOf(freePort())));
    arguments.addAll(List.of("--health-port", String.valueOf(freePort())));
    arguments.addAll(List.of("--dashboard-port", String.valueOf(freePort())));
    arguments.addAll(List.of("--work-dir", work.toString()));
    arguments.addAll(List.of("--home", System.getProperty("cdc.home")));
    return arguments;
  }

  /**
   * A running pipeline with its workload on free ports.
   *
   * @param options further launcher options, e.g. {@code --rate 200}
   */
  static LocalPipeline start(Path work, String... options) throws Exception {
    LocalPipeline pipeline = new LocalPipeline();
    List<String> arguments = arguments(work);
    arguments.addAll(List.of(options));
    new CommandLine(pipeline).parseArgs(arguments.toArray(String[]::new));
    if (pipeline.start() == null) {
      printLogTails(work);
      throw new IllegalStateException(
          "the local pipeline did not start: " + pipeline.failure() + " (logs in " + work + ")");
    }
    return pipeline;
  }

  /** The last lines of every stage's log, so that a failed start in CI shows its cause. */
  private static void printLogTails(Path work) throws java.io.IOException {
    try (java.util.stream.Stream<Path> logs = java.nio.file.Files.list(work)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
        List<String> lines =
            new String(
                    java.nio.file.Files.readAllBytes(log), java.nio.charset.StandardCharsets.UTF_8)
                .lines()
                .toList();
        System.out.println("---- last lines of " + log);
        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
      }
    }
  }

  /**
   * A running pipeline without the ingest job, for tests that write their own changes.
   *
   * @param options further launcher options, e.g. {@code --no-analytics}
   */
  static LocalPipeline startWithoutIngest(Path work, String... options) throws Exception {
    List<String> arguments = new ArrayList<>(List.of("--no-ingest"));
    arguments.addAll(List.of(options));
    return start(work, arguments.toArray(String[]::new));
  }

  /**
   * Compares every table with its oracle once a second until all are equal or the timeout has
   * passed; returns the last comparisons.
   */
  static List<Oracles.Comparison> converge(
      LocalPipeline pipeline, List<Oracles.Oracle> oracles, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Oracles.Comparison> comparisons = compare(pipeline, oracles);
    while (!comparisons.stream().allMatch(Oracles.Comparison::equal)
        && System.nanoTime() < deadline) {
      java.util.concurrent.TimeUnit.SECONDS.sleep(1);
      comparisons = compare(pipeline, oracles);
    }
    return comparisons;
  }

  private static List<Oracles.Comparison> compare(
      LocalPipeline pipeline, List<Oracles.Oracle> oracles) throws Exception {
    try (java.sql.Connection db = pipeline.postgres().superuserConnection()) {
      return Oracles.compareAll(db, oracles);
    }
  }

  /**
   * The first port the kernel hands out to outgoing connections: test ports stay below it, so that
   * no client socket of the suite can take a port between its check and the bind.
   */
  private static final int EPHEMERAL_START =
      Math.max(16_000, Ports.OutgoingRange.ofThisMachine().first());

  /** Ports handed out in this JVM: free when checked, but bound only later by their stage. */
  private static final java.util.Set<Integer> HANDED_OUT =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  static int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(15_000, EPHEMERAL_START);
      try {
        Ports.requireFree(port, "test");
        if (!HANDED_OUT.add(port)) {
          continue;
        }
        return port;
      } catch (IllegalArgumentException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port found");
  }

  private static int freeKafkaBase() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(10_000, 14_800);
      try {
        for (int offset : new int[] {0, 1, 2, 100, 101, 102}) {
          Ports.requireFree(base + offset, "test");
        }
        return base;
      } catch (IllegalArgumentException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port range found");
  }

  /**
   * Reads the topics from the beginning until {@code done} accepts what was read, or the timeout.
   */
  static List<Change> readUntil(
      String bootstrapServers, List<String> topics, Predicate<List<Change>> done, Duration timeout)
      throws Exception {
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    List<Change> changes = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
      consumer.subscribe(topics);
      while (!done.test(changes) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          changes.add(
              new Change(
                  record.topic(),
                  record.partition(),
                  record.offset(),
                  record.key() == null ? null : JSON.readTree(record.key()),
                  record.value() == null ? null : JSON.readTree(record.value())));
        }
      }
    }
    return changes;
  }

  /** The first verdict at or after {@code since} that matches, waiting up to {@code limit}. */
  static HealthMonitor.Judged awaitVerdict(
      HealthMonitor monitor,
      Instant since,
      String expected,
      Predicate<io.cdcplatform.health.Verdict> matches,
      Duration limit)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(limit);
    while (Instant.now().isBefore(deadline)) {
      HealthMonitor.Judged latest = monitor.latest();
      if (!latest.at().isBefore(since) && matches.test(latest.verdict())) {
        return latest;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "no verdict "
            + expected
            + " within "
            + limit.toSeconds()
            + " s; the last: "
            + io.cdcplatform.health.VerdictDocument.line(monitor.latest().verdict()));
  }

  /**
   * The first verdict change at or after {@code since} that matches, waiting up to {@code limit}.
   * Unlike {@link #awaitVerdict}, a verdict that has already passed counts: every change the
   * monitor recorded is looked at, then the latest.
   */
  static HealthMonitor.Judged awaitChange(
      HealthMonitor monitor,
      Instant since,
      Predicate<io.cdcplatform.health.Verdict> matches,
      Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<HealthMonitor.Judged> seen = firstChange(monitor, since, matches);
      if (seen.isPresent()) {
        return seen.get();
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "no such verdict within "
            + limit.toSeconds()
            + " s; the last: "
            + io.cdcplatform.health.VerdictDocument.line(monitor.latest().verdict()));
  }

  /**
   * The first recorded verdict at or after {@code since} that matches, if any. A change is recorded
   * when a condition's status or reason changes; a new message under the same reason shows only in
   * the latest verdict, which is looked at last.
   */
  static Optional<HealthMonitor.Judged> firstChange(
      HealthMonitor monitor, Instant since, Predicate<io.cdcplatform.health.Verdict> matches) {
    List<HealthMonitor.Judged> seen = new ArrayList<>(monitor.changes());
    seen.add(monitor.latest());
    return seen.stream()
        .filter(j -> !j.at().isBefore(since) && matches.test(j.verdict()))
        .findFirst();
  }

  /** Runs each statement as the local PostgreSQL's superuser, on one connection. */
  static void superuser(LocalPipeline pipeline, String... statements) throws Exception {
    try (java.sql.Connection db = pipeline.postgres().superuserConnection();
        java.sql.Statement sql = db.createStatement()) {
      for (String statement : statements) {
        sql.execute(statement);
      }
    }
  }

  /** Writes a test's figures to local/target/{@code name} and prints them. */
  static void report(String name, List<String> lines) throws java.io.IOException {
    Path report = Path.of(System.getProperty("cdc.home"), "local/target", name);
    java.nio.file.Files.createDirectories(report.getParent());
    java.nio.file.Files.write(report, lines, java.nio.charset.StandardCharsets.UTF_8);
    lines.forEach(System.out::println);
  }
}
