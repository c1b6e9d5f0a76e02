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
import java.util.Map;

/**
 * The analytics job in its own supervised JVM, on the {@code flink-app} module's classpath (Kafka
 * clients 3.x, never the brokers' 4.x), with Flink's web UI on a local port.
 */
final class FlinkJob {

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

  private final Path home;
  private final int restPort;
  private final Path work;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private SupervisedChild process;

  FlinkJob(Path home, int restPort, Path work) {
    this.home = home;
    this.restPort = restPort;
    this.work = work;
  }

  String webUrl() {
    return "http://127.0.0.1:" + restPort;
  }

  /**
   * Starts the job with the chart's job settings, adding only this machine's endpoints and secrets.
   */
  void start(
      Map<String, String> chartSettings,
      String bootstrapServers,
      String jdbcUrl,
      PrintStream console)
      throws IOException {
    Path target = home.resolve("flink-app/target");
    Path classpathFile = target.resolve("runtime-classpath.txt");
    if (!Files.isRegularFile(classpathFile)) {
      throw new IllegalArgumentException(
          "--home: expected the built flink-app module under " + target + "; run 'make build'");
    }
    String classpath =
        target.resolve("classes") + File.pathSeparator + Files.readString(classpathFile).trim();
    process =
        SupervisedChild.start(
            new ChildSpec(
                "flink",
                classpath,
                "io.cdcplatform.flink.AnalyticsJob",
                JVM_OPTIONS,
                List.of(),
                Map.of(
                    "ANALYTICS_KAFKA_BOOTSTRAP_SERVERS",
                    bootstrapServers,
                    "ANALYTICS_JDBC_URL",
                    jdbcUrl,
                    "ANALYTICS_JDBC_USER",
                    LocalCredentials.OWNER,
                    "ANALYTICS_JDBC_PASSWORD",
                    LocalCredentials.OWNER_PASSWORD,
                    "ANALYTICS_CHECKPOINT_DIR",
                    work.resolve("flink-checkpoints").toUri().toString(),
                    "ANALYTICS_REST_PORT",
                    String.valueOf(restPort)),
                work.resolve("flink.log")),
            console,
            false);
  }

  static List<String> arguments(Map<String, String> chartSettings) {
    List<String> arguments = new java.util.ArrayList<>();
    chartSettings.forEach(
        (name, value) -> {
          arguments.add("--" + name);
          arguments.add(value);
        });
    return arguments;
  }

  SupervisedChild process() {
    return process;
  }

  /** The state of the job, e.g. RUNNING, or why there is none. */
  String state() {
    return job().path("state").asText("UNREACHABLE");
  }

  /** The job's state and the age of its last completed checkpoint, for the status line. */
  String describe() {
    JsonNode job = job();
    String state = job.path("state").asText("UNREACHABLE");
    JsonNode latest = get("/jobs/" + job.path("jid").asText() + "/checkpoints");
    long acknowledged =
        latest.path("latest").path("completed").path("latest_ack_timestamp").asLong(0);
    if (acknowledged == 0) {
      return state + ", no checkpoint yet";
    }
    return String.format(
        java.util.Locale.ROOT,
        "%s, last checkpoint %.1fs ago",
        state,
        (System.currentTimeMillis() - acknowledged) / 1000.0);
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
          String state = state();
          return "RUNNING".equals(state)
              ? Await.Check.ready(state, state)
              : Await.Check.notYet(state);
        });
  }
}
