package io.cdcplatform.local;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Three Kafka brokers in KRaft mode on loopback, each a combined broker and controller and one of
 * three quorum voters, each its own supervised JVM, configured from the chart's broker settings.
 */
final class LocalKafkaCluster {

  static final int NODES = 3;

  static final List<String> JVM_OPTIONS = LocalJvm.small("192m", "48m", "96m");

  private final KafkaRuntime runtime;
  private final Map<String, String> brokerSettings;
  private final int basePort;
  private final Path work;
  private final PrintStream console;
  private final List<SupervisedChild> brokers = new ArrayList<>();

  LocalKafkaCluster(
      KafkaRuntime runtime,
      Map<String, String> brokerSettings,
      int basePort,
      Path work,
      PrintStream console) {
    this.runtime = runtime;
    this.brokerSettings = brokerSettings;
    this.basePort = basePort;
    this.work = work;
    this.console = console;
  }

  /** The client port of node {@code id} (1-based). */
  int brokerPort(int id) {
    return basePort + id - 1;
  }

  /** The controller port of node {@code id} (1-based). */
  int controllerPort(int id) {
    return basePort + 100 + id - 1;
  }

  /** Every port the cluster listens on. */
  List<Integer> ports() {
    List<Integer> ports = new ArrayList<>();
    for (int id = 1; id <= NODES; id++) {
      ports.add(brokerPort(id));
      ports.add(controllerPort(id));
    }
    return ports;
  }

  String bootstrapServers() {
    return IntStream.rangeClosed(1, NODES)
        .mapToObj(id -> "127.0.0.1:" + brokerPort(id))
        .collect(Collectors.joining(","));
  }

  /** Formats each node's storage, then starts the three nodes. */
  void start() throws IOException, InterruptedException {
    String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
    List<Path> configs = new ArrayList<>();
    for (int id = 1; id <= NODES; id++) {
      Path config = writeConfig(id);
      configs.add(config);
      format(id, config, clusterId);
    }
    for (int id = 1; id <= NODES; id++) {
      brokers.add(
          SupervisedChild.start(
              new ChildSpec(
                  "kafka-" + id,
                  runtime.classpath(),
                  "kafka.Kafka",
                  JVM_OPTIONS,
                  List.of(configs.get(id - 1).toString()),
                  Map.of(),
                  work.resolve("kafka-" + id + ".log")),
              console,
              false));
    }
  }

  private Path writeConfig(int id) throws IOException {
    Map<String, String> settings = new LinkedHashMap<>(brokerSettings);
    String voters =
        IntStream.rangeClosed(1, NODES)
            .mapToObj(n -> n + "@127.0.0.1:" + controllerPort(n))
            .collect(Collectors.joining(","));
    settings.put("process.roles", "broker,controller");
    settings.put("node.id", String.valueOf(id));
    settings.put("controller.quorum.voters", voters);
    settings.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:"
            + brokerPort(id)
            + ",CONTROLLER://127.0.0.1:"
            + controllerPort(id));
    settings.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort(id));
    settings.put("controller.listener.names", "CONTROLLER");
    settings.put("inter.broker.listener.name", "PLAINTEXT");
    settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    settings.put("log.dirs", work.resolve("kafka-" + id + "-data").toString());
    // Sizing for a laptop, like the heap: the log cleaner's default 128 MB buffer alone would
    // exceed the broker's heap.
    settings.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
    settings.put("group.initial.rebalance.delay.ms", "0");
    // Three partitions for each internal topic instead of fifty, still with three replicas and two
    // in sync: each broker then follows a few dozen partitions rather than over a hundred, and the
    // local run has one consumer group and a handful of transactional producers.
    settings.put("offsets.topic.num.partitions", "3");
    settings.put("transaction.state.log.num.partitions", "3");
    Properties properties = new Properties();
    properties.putAll(settings);
    Path file = work.resolve("kafka-" + id + ".properties");
    try (Writer writer = Files.newBufferedWriter(file)) {
      properties.store(writer, "Kafka node " + id + " of the local pipeline");
    }
    return file;
  }

  private void format(int id, Path config, String clusterId)
      throws IOException, InterruptedException {
    List<String> command =
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-Dlog4j2.configurationFile=log4j2-local.properties",
            "-cp",
            runtime.classpath(),
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            clusterId,
            "--config",
            config.toString());
    Path log = work.resolve("kafka-" + id + ".log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException(
          "formatting the storage of kafka-" + id + " failed; see " + log);
    }
  }

  /**
   * Waits until the metadata quorum has three voters and a leader and all three brokers are
   * registered.
   *
   * @return a line describing the quorum
   */
  String awaitHealthy(Admin admin, Duration timeout) throws InterruptedException {
    return Await.until(
        "Kafka did not become healthy",
        timeout,
        work.resolve("kafka-1.log").toString(),
        () -> {
          QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(5, TimeUnit.SECONDS);
          int brokersUp = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
          String seen =
              quorum.voters().size()
                  + " voters, leader "
                  + quorum.leaderId()
                  + ", "
                  + brokersUp
                  + " brokers";
          boolean ready =
              quorum.voters().size() == NODES && quorum.leaderId() >= 0 && brokersUp == NODES;
          return ready ? Await.Check.ready(seen, seen) : Await.Check.notYet(seen);
        });
  }

  /** Creates the platform's topics with the chart's settings; existing ones are left alone. */
  void createTopics(Admin admin, List<ChartFiles.Topic> topics)
      throws InterruptedException, ExecutionException {
    List<NewTopic> wanted =
        topics.stream()
            .map(
                t ->
                    new NewTopic(t.name(), t.partitions(), (short) t.replicas())
                        .configs(t.config()))
            .toList();
    for (var result : admin.createTopics(wanted).values().entrySet()) {
      try {
        result.getValue().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    }
  }

  static Admin admin(String bootstrapServers) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    return Admin.create(properties);
  }

  List<SupervisedChild> brokers() {
    return brokers;
  }

  /**
   * Stops the nodes together: one at a time, the last two would wait for a quorum that the others
   * have already left.
   */
  void stop(Duration grace, PrintStream out) throws InterruptedException {
    List<Thread> stopping = new ArrayList<>();
    for (SupervisedChild broker : brokers) {
      stopping.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      out.println(
                          "local pipeline: "
                              + broker.name()
                              + " stopped (exit code "
                              + broker.stop(grace)
                              + ")");
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }));
    }
    for (Thread thread : stopping) {
      thread.join();
    }
  }
}
