package io.cdcplatform.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * A Kafka Connect worker in distributed mode, its own supervised JVM, configured from the chart's
 * worker settings, with the Debezium plugin on its plugin path; and the REST calls the launcher
 * makes to it.
 */
final class ConnectWorker {

  static final List<String> JVM_OPTIONS = LocalJvm.small("256m", "64m", "128m");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KafkaRuntime runtime;
  private final Map<String, String> workerSettings;
  private final String bootstrapServers;
  private final int restPort;
  private final Path work;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private SupervisedChild process;

  ConnectWorker(
      KafkaRuntime runtime,
      Map<String, String> workerSettings,
      String bootstrapServers,
      int restPort,
      Path work) {
    this.runtime = runtime;
    this.workerSettings = workerSettings;
    this.bootstrapServers = bootstrapServers;
    this.restPort = restPort;
    this.work = work;
  }

  String restUrl() {
    return "http://127.0.0.1:" + restPort;
  }

  void start(PrintStream console) throws IOException {
    Map<String, String> settings = new LinkedHashMap<>(workerSettings);
    settings.put("bootstrap.servers", bootstrapServers);
    settings.put("listeners", restUrl());
    settings.put("rest.advertised.host.name", "127.0.0.1");
    settings.put("rest.advertised.port", String.valueOf(restPort));
    settings.put("plugin.path", runtime.pluginPath().toString());
    // Plugins are found through their service manifests (Debezium's jars and the project's
    // transforms carry them), not by scanning every class of every jar: Connect ready in about 4 s
    // instead of 9 s here. Only the local worker does this; the Strimzi image's plugins are not
    // checked for manifests here, so the chart keeps Connect's default.
    settings.put("plugin.discovery", "service_load");
    // One connector with one task: its offsets and statuses need no more than a partition each
    // (25 and 5 by default), which every broker would otherwise follow.
    settings.put("offset.storage.partitions", "1");
    settings.put("status.storage.partitions", "1");
    Properties properties = new Properties();
    properties.putAll(settings);
    Path config = work.resolve("connect.properties");
    try (Writer writer = Files.newBufferedWriter(config)) {
      properties.store(writer, "Kafka Connect worker of the local pipeline");
    }
    process =
        SupervisedChild.start(
            new ChildSpec(
                "connect",
                runtime.classpath(),
                "org.apache.kafka.connect.cli.ConnectDistributed",
                JVM_OPTIONS,
                List.of(config.toString()),
                Map.of(),
                work.resolve("connect.log")),
            console,
            false);
  }

  SupervisedChild process() {
    return process;
  }

  /** Waits until the REST API answers and lists the Debezium PostgreSQL connector. */
  void awaitReady(Duration timeout) throws InterruptedException {
    Await.until(
        "Kafka Connect at " + restUrl() + " was not ready",
        timeout,
        work.resolve("connect.log").toString(),
        () -> {
          HttpResponse<String> plugins = get("/connector-plugins");
          String seen = "HTTP " + plugins.statusCode() + " " + plugins.body();
          return plugins.statusCode() == 200
                  && plugins.body().contains("io.debezium.connector.postgresql.PostgresConnector")
              ? Await.Check.ready(seen, seen)
              : Await.Check.notYet(seen);
        });
  }

  /** Creates or updates a connector. */
  void putConnector(String name, Map<String, String> config)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(restUrl() + "/connectors/" + name + "/config"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200 && response.statusCode() != 201) {
      throw new IllegalStateException(refusal(name, response.statusCode(), response.body()));
    }
  }

  /**
   * One line saying why Connect refused a connector: the errors of its answer without Connect's
   * framing around them, and where the settings come from.
   */
  static String refusal(String name, int status, String body) {
    String errors = body == null ? "" : body.strip();
    try {
      JsonNode message = JSON.readTree(errors).path("message");
      if (message.isTextual()) {
        errors =
            message
                .asText()
                .lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .filter(line -> !line.startsWith("Connector configuration is invalid"))
                .filter(line -> !line.startsWith("You can also find the above list of errors"))
                .collect(Collectors.joining("; "));
      }
    } catch (IOException notJson) {
      // the body as it came
    }
    return "Kafka Connect refused connector "
        + name
        + " (HTTP "
        + status
        + "): "
        + errors
        + "; its settings come from helm/cdc-platform/files/debezium-connector.yaml";
  }

  /**
   * Pauses ({@code pause}), stops ({@code stop}) or resumes ({@code resume}) a connector through
   * the REST API.
   */
  void control(String name, String action) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(restUrl() + "/connectors/" + name + "/" + action))
                .timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    // 202 Accepted for pause and resume, 204 No Content for stop.
    if (response.statusCode() != 202 && response.statusCode() != 204) {
      throw new IllegalStateException(
          "Kafka Connect refused to "
              + action
              + " connector "
              + name
              + ": HTTP "
              + response.statusCode());
    }
  }

  /**
   * Forgets a stopped connector's source offsets ({@code DELETE /connectors/<name>/offsets}), so
   * that it starts again as new: for Debezium, with a snapshot.
   */
  void resetOffsets(String name) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(restUrl() + "/connectors/" + name + "/offsets"))
                .timeout(Duration.ofSeconds(60))
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "Kafka Connect refused to reset the offsets of connector "
              + name
              + ": HTTP "
              + response.statusCode()
              + " "
              + response.body().strip());
    }
  }

  /** Waits until the connector reports {@code state} (e.g. STOPPED after {@code stop}). */
  void awaitState(String name, String state, Duration timeout) throws InterruptedException {
    Await.until(
        "connector " + name + " was not " + state,
        timeout,
        work.resolve("connect.log").toString(),
        () -> {
          ConnectorState now = state(name);
          return state.equals(now.connector())
              ? Await.Check.ready(now, now.describe())
              : Await.Check.notYet(now.describe());
        });
  }

  /** A connector's state and its tasks' states, as Connect reports them. */
  record ConnectorState(String connector, List<String> tasks, String trace) {
    boolean running() {
      return "RUNNING".equals(connector)
          && !tasks.isEmpty()
          && tasks.stream().allMatch("RUNNING"::equals);
    }

    String describe() {
      long running = tasks.stream().filter("RUNNING"::equals).count();
      return connector + " (" + running + "/" + tasks.size() + " tasks RUNNING)";
    }
  }

  ConnectorState state(String name) throws IOException, InterruptedException {
    HttpResponse<String> response = get("/connectors/" + name + "/status");
    if (response.statusCode() == 404) {
      return new ConnectorState("MISSING", List.of(), "");
    }
    JsonNode status = JSON.readTree(response.body());
    List<String> tasks = status.path("tasks").findValuesAsText("state");
    String trace = status.path("connector").path("trace").asText("");
    for (JsonNode task : status.path("tasks")) {
      if (trace.isEmpty()) {
        trace = task.path("trace").asText("");
      }
    }
    return new ConnectorState(
        status.path("connector").path("state").asText("UNKNOWN"), tasks, trace);
  }

  /** Waits until the connector and every task are RUNNING; fails at once on FAILED. */
  ConnectorState awaitRunning(String name, Duration timeout) throws InterruptedException {
    return Await.until(
        "connector " + name + " was not RUNNING",
        timeout,
        work.resolve("connect.log").toString(),
        () -> {
          ConnectorState state = state(name);
          if ("FAILED".equals(state.connector()) || state.tasks().contains("FAILED")) {
            throw new IllegalStateException(
                "connector " + name + " FAILED: " + firstLine(state.trace()));
          }
          return state.running()
              ? Await.Check.ready(state, state.describe())
              : Await.Check.notYet(state.describe());
        });
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(restUrl() + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
