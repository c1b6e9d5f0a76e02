package io.cdcplatform.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The analytics job in its own supervised JVM, on the {@code flink-app} module's classpath (Kafka
 * clients 3.x, never the brokers' 4.x), with Flink's web UI on a local port.
 */
final class FlinkJob {

  /** The job's name in Flink (AnalyticsJob's execute) and its Kafka consumer group. */
  static final String JOB_NAME = "cdc-analytics";

  static final String CONSUMER_GROUP = "cdc-analytics";

  // Flink serializes JDK collections reflectively; JDK 17+ must open them to it.
  static final List<String> JVM_OPTIONS =
      List.of(
          "-Xms128m",
          "-Xmx512m",
          "-XX:+UseSerialGC",
          "-XX:ReservedCodeCacheSize=96m",
          "-Djava.awt.headless=true",
          "-Duser.timezone=UTC",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.math=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED");

  private static final ObjectMapper JSON = new ObjectMapper();

  // The operator metrics of the status line.
  private static final List<String> STATUS_METRICS =
      List.of("watermarkLagMs", "latencyP99Ms", "lateUpdates", "deadLetters");

  private final Path home;
  private final int restPort;
  private final Path work;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private SupervisedChild process;
  private Path pipeline;

  FlinkJob(Path home, int restPort, Path work) {
    this.home = home;
    this.restPort = restPort;
    this.work = work;
  }

  String webUrl() {
    return "http://127.0.0.1:" + restPort;
  }

  /**
   * Starts the job on a pipeline definition, which holds its settings, adding only this machine's
   * endpoints and secrets.
   */
  void start(Path pipeline, String bootstrapServers, String jdbcUrl, PrintStream console)
      throws IOException {
    this.pipeline = pipeline;
    process = SupervisedChild.start(spec(pipeline, bootstrapServers, jdbcUrl), console, false);
  }

  /**
   * The job's process: the pipeline definition as its argument, as the FlinkDeployment passes it;
   * this machine's endpoints, secrets, checkpoint directory and REST port in its environment.
   */
  ChildSpec spec(Path pipeline, String bootstrapServers, String jdbcUrl) throws IOException {
    String classpath = classpath(home, "flink-app");
    return new ChildSpec(
        "flink",
        classpath,
        "io.cdcplatform.flink.AnalyticsJob",
        JVM_OPTIONS,
        List.of("--pipeline", pipeline.toString()),
        Map.of(
            "ANALYTICS_KAFKA_BOOTSTRAP_SERVERS",
            bootstrapServers,
            "ANALYTICS_JDBC_URL",
            jdbcUrl,
            "ANALYTICS_JDBC_USER",
            LocalCredentials.WRITER,
            "ANALYTICS_JDBC_PASSWORD",
            LocalCredentials.WRITER_PASSWORD,
            "ANALYTICS_CHECKPOINT_DIR",
            work.resolve("flink-checkpoints").toUri().toString(),
            "ANALYTICS_REST_PORT",
            String.valueOf(restPort)),
        work.resolve("flink.log"));
  }

  /**
   * A built module's classes and runtime classpath (the build writes it to {@code
   * target/runtime-classpath.txt}), for a JVM of its own.
   *
   * @throws IllegalArgumentException when the module is not built under {@code home}
   */
  static String classpath(Path home, String module) throws IOException {
    Path target = home.resolve(module).resolve("target");
    Path classpathFile = target.resolve("runtime-classpath.txt");
    if (!Files.isRegularFile(classpathFile)) {
      throw new IllegalArgumentException(
          "--home: expected the built "
              + module
              + " module under "
              + target
              + "; run 'make build'");
    }
    return target.resolve("classes") + File.pathSeparator + Files.readString(classpathFile).trim();
  }

  SupervisedChild process() {
    return process;
  }

  /** The state of the job, e.g. RUNNING, or why there is none. */
  String state() {
    return job().path("state").asText("UNREACHABLE");
  }

  /**
   * For the status line: the job's state, its throughput (given: the launcher reads it from Kafka),
   * watermark lag, the age of the last completed checkpoint, the p99 pipeline latency of the
   * current minute, and the counts of late updates and dead letters.
   */
  String describe(String throughput) {
    JsonNode job = job();
    String state = job.path("state").asText("UNREACHABLE");
    String id = job.path("jid").asText();
    if (id.isEmpty()) {
      return state;
    }
    Map<String, Double> metrics = operatorMetrics(id, STATUS_METRICS);
    StringBuilder line = new StringBuilder(state);
    if (throughput != null) {
      line.append(", ").append(throughput);
    }
    double watermarkLag = metrics.getOrDefault("watermarkLagMs", -1.0);
    if (watermarkLag >= 0) {
      line.append(String.format(Locale.ROOT, ", watermark lag %.1fs", watermarkLag / 1000));
    }
    long acknowledged =
        get("/jobs/" + id + "/checkpoints")
            .path("latest")
            .path("completed")
            .path("latest_ack_timestamp")
            .asLong(0);
    line.append(
        acknowledged == 0
            ? ", no checkpoint yet"
            : String.format(
                Locale.ROOT,
                ", last checkpoint %.1fs ago",
                (System.currentTimeMillis() - acknowledged) / 1000.0));
    double p99 = metrics.getOrDefault("latencyP99Ms", -1.0);
    if (p99 >= 0) {
      line.append(String.format(Locale.ROOT, ", p99 latency %.0f ms", p99));
    }
    line.append(
        String.format(
            Locale.ROOT,
            ", late updates %.0f, dead letters %.0f",
            metrics.getOrDefault("lateUpdates", 0.0),
            metrics.getOrDefault("deadLetters", 0.0)));
    return line.toString();
  }

  /** Operator metrics of the running job, by name, summed over subtasks. */
  Map<String, Double> metrics(String... names) {
    String id = job().path("jid").asText();
    return id.isEmpty() ? Map.of() : operatorMetrics(id, List.of(names));
  }

  /** How often the running job restarted inside its JVM. */
  long restarts() {
    String id = job().path("jid").asText();
    JsonNode values = get("/jobs/" + id + "/metrics?get=numRestarts");
    return values.isArray() && !values.isEmpty() ? values.get(0).path("value").asLong(0) : 0;
  }

  // Operator metric ids read like "0.change-router.changesProcessed": subtask, operator, name.
  private Map<String, Double> operatorMetrics(String job, List<String> names) {
    Map<String, Double> values = new java.util.HashMap<>();
    for (JsonNode vertex : get("/jobs/" + job).path("vertices")) {
      String base = "/jobs/" + job + "/vertices/" + vertex.path("id").asText() + "/metrics";
      List<String> wanted = new java.util.ArrayList<>();
      for (JsonNode metric : get(base)) {
        String metricId = metric.path("id").asText();
        if (names.stream().anyMatch(name -> metricId.endsWith("." + name))) {
          wanted.add(metricId);
        }
      }
      if (wanted.isEmpty()) {
        continue;
      }
      for (JsonNode metric : get(base + "?get=" + String.join(",", wanted))) {
        String metricId = metric.path("id").asText();
        String name = metricId.substring(metricId.lastIndexOf('.') + 1);
        try {
          values.merge(name, Double.parseDouble(metric.path("value").asText()), Double::sum);
        } catch (NumberFormatException e) {
          // not a number yet (e.g. a gauge before its first value): left out
        }
      }
    }
    return values;
  }

  private JsonNode job() {
    JsonNode jobs = get("/jobs/overview").path("jobs");
    return jobs.isEmpty() ? JSON.createObjectNode() : jobs.get(0);
  }

  // The JSON body of a GET, or an empty object when the REST API does not answer.
  private JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(webUrl() + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200
          ? JSON.readTree(response.body())
          : JSON.createObjectNode();
    } catch (IOException e) {
      return JSON.createObjectNode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return JSON.createObjectNode();
    }
  }

  /** Waits until the job is RUNNING. */
  void awaitRunning(Duration timeout) throws InterruptedException {
    Await.until(
        "the analytics job was not RUNNING",
        timeout,
        work.resolve("flink.log").toString(),
        () -> {
          if (process.refusal() != null) {
            throw new IllegalArgumentException(
                "the analytics job refused the pipeline " + pipeline + ": " + process.refusal());
          }
          String state = state();
          return "RUNNING".equals(state)
              ? Await.Check.ready(state, state)
              : Await.Check.notYet(state);
        });
  }
}
