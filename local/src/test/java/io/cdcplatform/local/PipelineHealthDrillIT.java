package io.cdcplatform.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.health.Condition;
import io.cdcplatform.health.PipelineProbes;
import io.cdcplatform.health.Reason;
import io.cdcplatform.health.Slo;
import io.cdcplatform.health.SloSettings;
import io.cdcplatform.health.Stage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Fault drills on the running local pipeline: each fault must turn the verdict to the expected
 * failing stage and reason within 30 s, and the verdict must return to Ready once the fault is
 * healed. The figures go to target/health-drills.txt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineHealthDrillIT {

  private static final Duration DETECTION_TARGET = Duration.ofSeconds(30);
  private static final Duration RECOVERY_LIMIT = Duration.ofMinutes(3);
  private static final Duration GRACE = Duration.ofSeconds(20);
  private static final List<String> FIGURES = new ArrayList<>();

  @TempDir static Path work;
  static LocalPipeline pipeline;
  static ChartFiles chart;

  @BeforeAll
  static void start() throws Exception {
    pipeline = new LocalPipeline();
    List<String> arguments = TestPipelines.arguments(work);
    arguments.addAll(List.of("--rate", "200", "--health-interval", "1", "--status-interval", "30"));
    new CommandLine(pipeline).parseArgs(arguments.toArray(String[]::new));
    chart = pipeline.start();
    assertThat(chart).as("the local pipeline started; see " + work).isNotNull();
    TestPipelines.awaitVerdict(
        pipeline.health(), Instant.now(), "Ready", v -> v.ready().isTrue(), RECOVERY_LIMIT);
  }

  @AfterAll
  static void stop() throws IOException {
    if (pipeline != null) {
      pipeline.stopAll();
    }
    TestPipelines.report("health-drills.txt", FIGURES);
  }

  @Test
  @Order(1)
  void theVerdictIsServedAsJson() throws Exception {
    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(pipeline.healthUrl())).build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(health.body())
        .contains("\"ready\":true", "\"type\":\"SourceReady\"", "\"type\":\"SinkFresh\"")
        .contains("\"brokers\":3");
  }

  @Test
  @Order(2)
  void stoppingTheConnectWorkerFailsCapture() throws Exception {
    SupervisedChild worker = pipeline.connect().process();
    drill(
        "Connect worker stopped",
        () -> worker.stop(GRACE),
        worker::resume,
        Stage.CAPTURE,
        Reason.UNREACHABLE,
        pipeline.health());
    assertThat(
            pipeline.health().changes().stream()
                .anyMatch(
                    j -> j.verdict().condition(Stage.SOURCE).reason() == Reason.SLOT_INACTIVE))
        .as("the idle slot shows on SourceReady while Ready blames capture")
        .isTrue();
  }

  @Test
  @Order(3)
  void killingABrokerFailsTransport() throws Exception {
    SupervisedChild broker = pipeline.kafka().brokers().get(LocalKafkaCluster.NODES - 1);
    drill(
        "Kafka broker killed (kill -9)",
        broker::kill,
        broker::resume,
        Stage.TRANSPORT,
        Reason.BROKERS_MISSING,
        pipeline.health());
  }

  @Test
  @Order(4)
  void killingTheFlinkJobFailsProcessing() throws Exception {
    SupervisedChild job = pipeline.flink().process();
    drill(
        "Flink job killed (kill -9)",
        job::kill,
        job::resume,
        Stage.PROCESSING,
        Reason.UNREACHABLE,
        pipeline.health());
  }

  @Test
  @Order(5)
  void slotLagPastItsSloFailsTheSource() throws Exception {
    // A tighter SLO than the chart's, and WAL the slot must hold back while capture is paused:
    // 200k rows of a table outside the publication, about 16 MiB of WAL at once.
    Map<String, String> slos = new HashMap<>(chart.slos());
    slos.put(SloSettings.MAX_RETAINED_WAL, "8Mi");
    Slo tight = SloSettings.parse(slos);
    try (HealthMonitor monitor =
        new HealthMonitor(
            new PipelineProbes(pipeline.healthTargets(chart)),
            tight,
            Clock.systemUTC(),
            new PrintStream(PrintStream.nullOutputStream()))) {
      monitor.start(Duration.ofSeconds(1));
      TestPipelines.awaitVerdict(
          monitor, Instant.now(), "Ready", v -> v.ready().isTrue(), RECOVERY_LIMIT);
      ConnectWorker connect = pipeline.connect();
      drill(
          "slot lag past its SLO (8 MiB)",
          () -> {
            connect.control(LocalPipeline.CONNECTOR, "pause");
            owner(
                "CREATE TABLE shop.drill_ballast AS"
                    + " SELECT g, md5(g::text) AS pad FROM generate_series(1, 200000) g");
          },
          () -> {
            owner("DROP TABLE shop.drill_ballast");
            connect.control(LocalPipeline.CONNECTOR, "resume");
          },
          Stage.SOURCE,
          Reason.RETAINED_WAL_ABOVE_SLO,
          monitor);
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  /** Breaks, waits for the expected verdict, heals, waits for Ready; records both times. */
  private static void drill(
      String name, Action fault, Action heal, Stage stage, Reason reason, HealthMonitor monitor)
      throws Exception {
    TestPipelines.awaitVerdict(
        monitor, Instant.now(), "Ready", v -> v.ready().isTrue(), RECOVERY_LIMIT);
    // The outage starts when the fault does (a graceful stop is already an outage).
    Instant broken = Instant.now();
    fault.run();
    HealthMonitor.Judged detected =
        TestPipelines.awaitVerdict(
            monitor,
            broken,
            stage.conditionType() + " " + reason,
            v -> v.failingStage().filter(stage::equals).isPresent() && v.ready().reason() == reason,
            DETECTION_TARGET.plusSeconds(30));
    Condition condition = detected.verdict().condition(stage);
    Duration detection = Duration.between(broken, detected.at());
    Instant healed = Instant.now();
    heal.run();
    HealthMonitor.Judged ready =
        TestPipelines.awaitVerdict(
            monitor, healed, "Ready", v -> v.ready().isTrue(), RECOVERY_LIMIT);
    Duration recovery = Duration.between(healed, ready.at());
    FIGURES.add(
        String.format(
            Locale.ROOT,
            "drill %-32s detected in %5.1f s as %s %s (%s); back to Ready %5.1f s after healing",
            name,
            detection.toMillis() / 1000.0,
            stage.conditionType(),
            reason,
            condition.message(),
            recovery.toMillis() / 1000.0));
    assertThat(condition.status()).isNotEqualTo(Condition.Status.TRUE);
    assertThat(detection).as(name + ": detection time").isLessThanOrEqualTo(DETECTION_TARGET);
  }

  private static void owner(String sql) {
    try (Connection connection =
            DriverManager.getConnection(
                pipeline.postgres().jdbcUrl(),
                LocalCredentials.OWNER,
                LocalCredentials.OWNER_PASSWORD);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }
}
