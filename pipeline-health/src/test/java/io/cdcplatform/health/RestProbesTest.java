package io.cdcplatform.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST probes against a server answering with fixtures shaped like Connect's and Flink's. */
class RestProbesTest {

  private HttpServer server;
  private String url;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    Map<String, String> routes =
        Map.of(
            "/connectors/cdc-source/status", "connect-status-task-failed.json",
            "/jobs/overview", "flink-jobs-overview.json",
            "/jobs/9f8e/checkpoints", "flink-checkpoints.json",
            "/jobs/7c6d/exceptions", "flink-exceptions-restarting.json");
    server.createContext(
        "/",
        exchange -> {
          String fixture = routes.get(exchange.getRequestURI().getPath());
          byte[] body = fixture == null ? new byte[0] : fixture(fixture);
          exchange.sendResponseHeaders(
              fixture == null ? 404 : 200, body.length == 0 ? -1 : body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void connectProbeReadsTaskStatesAndTheFirstLineOfTheirTrace() {
    CaptureObservation capture = new ConnectProbe(url, "cdc-source").connector();

    assertThat(capture.state()).isEqualTo("RUNNING");
    assertThat(capture.tasks())
        .containsExactly(
            new CaptureObservation.Task(
                0,
                "FAILED",
                "org.apache.kafka.connect.errors.ConnectException: An exception occurred in the"
                    + " change event producer. This connector will be stopped."));
  }

  @Test
  void anUnknownConnectorIsMissingNotUnreachable() {
    Observed<CaptureObservation> capture = new ConnectProbe(url, "other").observe();

    assertThat(capture.seen()).isTrue();
    assertThat(capture.value().state()).isNull();
  }

  @Test
  void flinkProbeTakesTheNewestJobOfTheNameAndItsLatestCheckpoint() {
    ProcessingObservation job = new FlinkProbe(url, "cdc-analytics").job(42);

    assertThat(job)
        .isEqualTo(
            new ProcessingObservation(
                "cdc-analytics",
                "RUNNING",
                Instant.ofEpochMilli(1764000200000L),
                Instant.ofEpochMilli(1764000205000L),
                42,
                null));
  }

  @Test
  void aJobThatIsNotRunningCarriesTheRootCauseOfItsLastFailure() {
    ProcessingObservation job = new FlinkProbe(url, "cdc-restarting").job(0);

    assertThat(job.jobState()).isEqualTo("RESTARTING");
    assertThat(job.lastFailure())
        .isEqualTo(
            "at 2025-11-24T16:05:08Z in results committer (1/1)#3 caused by"
                + " org.postgresql.util.PSQLException: ERROR: index row size 5624 exceeds btree"
                + " version 4 maximum 2704 for index \"category_revenue_minute_pkey\"");
    assertThat(
            HealthEvaluator.evaluate(
                    HealthEvaluatorTest.processing(HealthEvaluatorTest.healthy(), Observed.of(job)),
                    Instant.ofEpochMilli(1764000310000L))
                .ready()
                .message())
        .startsWith(
            "ProcessingReady: job cdc-restarting is RESTARTING; its last failure, at"
                + " 2025-11-24T16:05:08Z in results committer (1/1)#3 caused by"
                + " org.postgresql.util.PSQLException:");
  }

  @Test
  void aChainedTaskIsNamedByItsFirstOperatorAndSubtask() {
    assertThat(
            FlinkProbe.shortTaskName(
                "change-router -> (Sink: pipeline-latency, Calc[2], ConstraintEnforcer[37] ->"
                    + " freshness_topic[38]: Writer) (1/1) - execution #9"))
        .isEqualTo("change-router -> ... (1/1) - execution #9");
    assertThat(FlinkProbe.shortTaskName("results committer (1/1)#3"))
        .isEqualTo("results committer (1/1)#3");
  }

  @Test
  void aRunningJobHasNoLastFailure() {
    assertThat(new FlinkProbe(url, "cdc-analytics").job(0).lastFailure()).isNull();
  }

  @Test
  void aJobThatIsNotThereHasNoState() {
    assertThat(new FlinkProbe(url, "other").job(0).jobState()).isNull();
  }

  @Test
  void aStoppedEndpointIsReportedAsUnreachableNamingIt() {
    server.stop(0);

    Observed<CaptureObservation> capture = new ConnectProbe(url, "cdc-source").observe();

    assertThat(capture.seen()).isFalse();
    assertThat(capture.failure()).startsWith("Kafka Connect at " + url + " unreachable: ");
  }

  @Test
  void unreachableStagesEvaluateToUnknownWithTheProbeMessage() {
    server.stop(0);
    PipelineSnapshot snapshot =
        new PipelineSnapshot(
            Slo.DEFAULT,
            Observed.of(new SourceObservation("s", true, true, "reserved", 0)),
            new ConnectProbe(url, "cdc-source").observe(),
            Observed.of(new TransportObservation("c", 3, 3, List.of(), List.of(), null)),
            Observed.failed("Flink REST down"),
            Observed.failed("PostgreSQL down"));

    Verdict verdict = HealthEvaluator.evaluate(snapshot, Instant.now());

    assertThat(verdict.condition(Stage.CAPTURE).status()).isEqualTo(Condition.Status.UNKNOWN);
    assertThat(verdict.ready().message()).startsWith("CaptureReady: Kafka Connect at " + url);
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = RestProbesTest.class.getResourceAsStream("/fixtures/" + name)) {
      return in.readAllBytes();
    }
  }
}
