package io.cdcplatform.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcplatform.health.UnappliedEntry;
import io.cdcplatform.operator.api.CdcPipeline;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.strimzi.api.kafka.model.common.ConnectorState;
import io.strimzi.api.kafka.model.connect.KafkaConnect;
import io.strimzi.api.kafka.model.connect.KafkaConnectStatus;
import io.strimzi.api.kafka.model.connector.KafkaConnector;
import io.strimzi.api.kafka.model.connector.KafkaConnectorStatus;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.KafkaStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.status.JobManagerDeploymentStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reconciler against fabric8's CRUD mock API server with the CRDs registered: the test plays
 * Strimzi and the Flink operator by writing their resources' status, and the network stages through
 * {@link FakeStages}; each failure class must flip the right condition and recover.
 */
@EnableKubernetesMockClient(crud = true)
class CdcPipelineReconcilerTest {

  private static final String NS = "shop";
  private static final AtomicReference<Instant> NOW =
      new AtomicReference<>(Instant.parse("2026-11-24T10:00:00Z"));
  private static final Clock CLOCK =
      new Clock() {
        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return NOW.get();
        }
      };

  static KubernetesMockServer server;
  static KubernetesClient client;
  static Operator operator;
  static final FakeStages STAGES = new FakeStages(CLOCK);
  static final PipelineMetrics METRICS = new PipelineMetrics(CLOCK, Duration.ofMinutes(5));

  @BeforeAll
  static void startReconciler() throws IOException {
    register(generatedCrd());
    register(resourceCrd("META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml"));
    register(strimziCrd("Kafka", "kafkas"));
    register(strimziCrd("KafkaConnect", "kafkaconnects"));
    register(strimziCrd("KafkaConnector", "kafkaconnectors"));
    operator =
        ReconcilerMain.start(
            client,
            STAGES,
            METRICS,
            CLOCK,
            new CdcPipelineReconciler.Pace(Duration.ofMillis(500), Duration.ofMillis(200)),
            NS);
  }

  @AfterAll
  static void stopReconciler() {
    operator.stop();
  }

  @BeforeEach
  void healthyPipeline() {
    STAGES.heal();
    restoreConnectorAndResnapshot();
    apply(fixture("kafka.yaml", Kafka.class));
    apply(fixture("connect.yaml", KafkaConnect.class));
    apply(fixture("connector.yaml", KafkaConnector.class));
    apply(fixture("flinkdeployment.yaml", FlinkDeployment.class));
    if (pipeline() == null) {
      client.resource(fixture("pipeline.yaml", CdcPipeline.class)).inNamespace(NS).create();
    }
    awaitStatus("Ready", p -> "True".equals(condition(p, "Ready").getStatus()));
  }

  @Test
  void aHealthyPipelineIsReadyWithEveryStageTrue() {
    CdcPipeline pipeline = pipeline();

    assertThat(pipeline.getStatus().getConditions())
        .extracting(Condition::getType)
        .containsExactly(
            "SourceReady",
            "CaptureReady",
            "TransportReady",
            "ProcessingReady",
            "SinkFresh",
            "ResultsExact",
            "Ready");
    assertThat(pipeline.getStatus().getConditions())
        .allSatisfy(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getObservedGeneration())
                  .isEqualTo(pipeline.getMetadata().getGeneration());
            });
    assertThat(pipeline.getStatus().getObservedGeneration())
        .isEqualTo(pipeline.getMetadata().getGeneration());
    assertThat(pipeline.getStatus().getFailingStage()).isNull();
    assertThat(pipeline.getStatus().getFreshness()).isEqualTo("2s");
    assertThat(condition(pipeline, "Ready").getReason()).isEqualTo("PipelineFlowing");
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        failure(
            "slot lag past its SLO",
            "SourceReady",
            "RetainedWalAboveSlo",
            () -> STAGES.retainedWalBytes = 300L << 20),
        failure(
            "connector task failed",
            "CaptureReady",
            "TaskNotRunning",
            () -> connectorStatus("connector-task-failed.yaml")),
        failure(
            "connector task failed and the operator's restarts used up",
            "CaptureReady",
            "RestartsExhausted",
            () -> connectorStatus("connector-restarts-exhausted.yaml")),
        failure(
            "Connect cluster not ready",
            "CaptureReady",
            "ResourceNotReady",
            () ->
                setStatus(
                    KafkaConnect.class,
                    "cdc-connect",
                    c -> c.setStatus(fixture("connect-not-ready.yaml", KafkaConnectStatus.class)))),
        failure(
            "connector deleted",
            "CaptureReady",
            "ResourceMissing",
            () ->
                client
                    .resources(KafkaConnector.class)
                    .inNamespace(NS)
                    .withName("cdc-source")
                    .delete()),
        failure(
            "Kafka not ready",
            "TransportReady",
            "ResourceNotReady",
            () ->
                setStatus(
                    Kafka.class,
                    "cdc",
                    k -> k.setStatus(fixture("kafka-not-ready.yaml", KafkaStatus.class)))),
        failure("broker missing", "TransportReady", "BrokersMissing", () -> STAGES.brokers = 2),
        failure(
            "JobManager not ready",
            "ProcessingReady",
            "JobManagerNotReady",
            () ->
                setStatus(
                    FlinkDeployment.class,
                    "cdc-analytics",
                    f ->
                        f.getStatus()
                            .setJobManagerDeploymentStatus(JobManagerDeploymentStatus.DEPLOYING))),
        failure(
            "job failing", "ProcessingReady", "JobNotRunning", () -> STAGES.jobState = "FAILING"),
        failure(
            "checkpoint too old",
            "ProcessingReady",
            "CheckpointTooOld",
            () -> STAGES.checkpointAge = Duration.ofMinutes(5)),
        failure(
            "consumer lag past its SLO",
            "ProcessingReady",
            "ConsumerLagAboveSlo",
            () -> STAGES.consumerLag = 60_000),
        failure(
            "JobManager unreachable",
            "ProcessingReady",
            "Unreachable",
            () ->
                STAGES.unreachable =
                    "Flink REST at http://cdc-analytics-rest:8081 unreachable: connection refused"),
        failure(
            "analytics stale",
            "SinkFresh",
            "FreshnessAboveSlo",
            () -> STAGES.freshness = Duration.ofSeconds(45)),
        failure(
            "a change not applied",
            "ResultsExact",
            "ChangesNotApplied",
            () ->
                STAGES.unapplied =
                    List.of(
                        new UnappliedEntry(
                            "shop.orders",
                            "cdc.shop.orders/0@9",
                            UnappliedEntry.CHANGE_NOT_APPLIED,
                            "not JSON",
                            "rebuild",
                            java.time.Instant.EPOCH))));
  }

  /** The connector's status as Strimzi would write it, from a fixture. */
  private static void connectorStatus(String fixture) {
    setStatus(
        KafkaConnector.class,
        "cdc-source",
        c -> c.setStatus(fixture(fixture, KafkaConnectorStatus.class)));
  }

  private static Arguments failure(String name, String type, String reason, Runnable breakIt) {
    return Arguments.of(name, type, reason, breakIt);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void eachFailureFlipsItsConditionNamesItInReadyAndRecovers(
      String name, String type, String reason, Runnable breakIt) {
    String readySince = condition(pipeline(), "Ready").getLastTransitionTime();
    NOW.set(NOW.get().plusSeconds(60));

    breakIt.run();

    CdcPipeline broken =
        awaitStatus(type + " " + reason, p -> reason.equals(condition(p, type).getReason()));
    assertThat(condition(broken, type).getStatus()).isIn("False", "Unknown");
    assertThat(condition(broken, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(broken, "Ready").getReason()).isEqualTo(reason);
    assertThat(condition(broken, "Ready").getMessage()).startsWith(type + ": ");
    assertThat(condition(broken, "Ready").getLastTransitionTime()).isNotEqualTo(readySince);
    assertThat(broken.getStatus().getFailingStage()).isEqualTo(type);
    assertThat(events())
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo(reason);
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getInvolvedObject().getName()).isEqualTo("shop");
            });

    NOW.set(NOW.get().plusSeconds(60));
    STAGES.heal();
    healthyPipeline();

    CdcPipeline healed = pipeline();
    assertThat(condition(healed, type).getStatus()).isEqualTo("True");
    assertThat(healed.getStatus().getFailingStage()).isNull();
    assertThat(events()).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("PipelineFlowing"));
  }

  /**
   * A lost slot is re-snapshotted through the KafkaConnector, one step at a time, each taken only
   * once Strimzi (played here by the test) has done its part: stop, release, reset, run.
   */
  @Test
  void aLostSlotIsReSnapshottedThroughTheKafkaConnectorStepByStep() {
    int completed = resnapshotsCompleted();
    NOW.set(NOW.get().plusSeconds(60));
    STAGES.walStatus = "lost";
    STAGES.releaseRefusal = "connection refused";

    CdcPipeline stopping =
        awaitStatus("Stopping", p -> Resnapshots.STOPPING.equals(resnapshot(p).getStep()));
    assertThat(condition(stopping, "Ready").getReason()).isEqualTo("WalLost");
    assertThat(connector().getSpec().getState()).isEqualTo(ConnectorState.STOPPED);
    assertThat(STAGES.slotsReleased).as("nothing is released before Connect stopped").isZero();

    setConnectorState("STOPPED");
    awaitStatus(
        "a refused release said and retried",
        p -> String.valueOf(resnapshot(p).getMessage()).contains("connection refused"));
    assertThat(resnapshot(pipeline()).getStep()).isEqualTo(Resnapshots.STOPPING);
    assertThat(annotations(connector())).doesNotContainKey("strimzi.io/connector-offsets");
    STAGES.releaseRefusal = null;

    resetAndResume(completed);
  }

  /**
   * A table added to the definition: source-setup asked for a new snapshot in the heartbeat row,
   * and the healthy slot is re-snapshotted the same way, the request cleared with its release.
   */
  @Test
  void aTableAddedToTheDefinitionIsReSnapshottedThroughTheKafkaConnector() {
    int completed = resnapshotsCompleted();
    // Asked before the clock moves: the request is read again once the last read is a minute old.
    STAGES.requested = 4242L;
    NOW.set(NOW.get().plusSeconds(60));

    // The slot is healthy: only the request can have started it. (The step's first message, which
    // names the request, is replaced at the next look by what the step waits for.)
    CdcPipeline stopping =
        awaitStatus("Stopping", p -> Resnapshots.STOPPING.equals(resnapshot(p).getStep()));
    assertThat(condition(stopping, "SourceReady").getReason()).isEqualTo("SlotHealthy");
    assertThat(connector().getSpec().getState()).isEqualTo(ConnectorState.STOPPED);
    assertThat(STAGES.slotsReleased).isZero();

    // The connector is not configured from the new definition yet: nothing is released.
    setConnectorTables("shop.customers,shop.products");
    setConnectorState("STOPPED");
    awaitStatus(
        "the release waiting for the connector's configuration",
        p -> String.valueOf(resnapshot(p).getMessage()).contains("does not capture"));
    assertThat(STAGES.slotsReleased).isZero();
    assertThat(STAGES.requested).isEqualTo(4242L);

    setConnectorTables("shop.customers,shop.products,shop.orders");
    setConnectorState("STOPPED");
    awaitStatus("Resetting", p -> Resnapshots.RESETTING.equals(resnapshot(p).getStep()));
    assertThat(STAGES.requested).as("the request is cleared with the release").isNull();
    resetAndResume(completed);
  }

  /**
   * The request is read as the capture role, which logs in: once a minute while the connector's
   * tables stay the same, at once when they change (an upgrade that adds a table changes both).
   */
  @Test
  void theSnapshotRequestIsReadOnceAMinuteOrWhenTheConnectorsTablesChange()
      throws InterruptedException {
    NOW.set(NOW.get().plus(Resnapshots.REQUEST_RECHECK));
    int before = STAGES.requestReads.get();
    await("a read once the last is a minute old", () -> STAGES.requestReads.get() > before);
    int read = STAGES.requestReads.get();
    Thread.sleep(1_500); // several looks, 200 ms apart, at the same instant
    assertThat(STAGES.requestReads.get()).as("no read within the minute").isEqualTo(read);

    setConnectorTables("shop.customers,shop.products,shop.orders,shop.refunds");
    await("a read when the connector's tables change", () -> STAGES.requestReads.get() > read);
    assertThat(resnapshot(pipeline()).getStep()).as("nothing is asked").isNull();
  }

  /**
   * From a stopped connector on: the slot released once, the offsets reset, the connector run
   * again, the re-snapshot counted; then the connector as its fixture has it.
   */
  private void resetAndResume(int completed) {
    awaitStatus("Resetting", p -> Resnapshots.RESETTING.equals(resnapshot(p).getStep()));
    assertThat(STAGES.slotsReleased).isEqualTo(1);
    assertThat(annotations(connector())).containsEntry("strimzi.io/connector-offsets", "reset");
    assertThat(connector().getSpec().getState()).isEqualTo(ConnectorState.STOPPED);

    // Strimzi resets the offsets of the stopped connector and removes the annotation.
    editConnector(c -> c.getMetadata().getAnnotations().remove("strimzi.io/connector-offsets"));
    awaitStatus("Resuming", p -> Resnapshots.RESUMING.equals(resnapshot(p).getStep()));
    assertThat(connector().getSpec().getState()).isEqualTo(ConnectorState.RUNNING);

    // Connect runs it again: it creates the slot and snapshots.
    int released = STAGES.slotsReleased;
    STAGES.heal();
    setConnectorState("RUNNING");
    CdcPipeline done =
        awaitStatus(
            "re-snapshot completed",
            p -> resnapshot(p).getStep() == null && resnapshot(p).getCompleted() == completed + 1);
    assertThat(resnapshot(done).getLastCompletedAt()).isEqualTo(NOW.get().toString());
    assertThat(released + STAGES.slotsReleased).as("released once").isEqualTo(1);
    // The connector's spec was changed twice: back to the fixture's, at generation 1.
    client.resources(KafkaConnector.class).inNamespace(NS).withName("cdc-source").delete();
    awaitGone();
    healthyPipeline();
  }

  /**
   * What a test that failed half-way through a re-snapshot leaves behind, undone, so that the next
   * test does not fail with it: a connector whose spec or annotations are no longer its fixture's
   * is created again, and a pipeline still in a re-snapshot step is created again.
   */
  private static void restoreConnectorAndResnapshot() {
    KafkaConnector current = connector();
    if (current != null
        && (!current.getSpec().equals(fixture("connector.yaml", KafkaConnector.class).getSpec())
            || annotations(current).containsKey("strimzi.io/connector-offsets"))) {
      client.resources(KafkaConnector.class).inNamespace(NS).withName("cdc-source").delete();
      awaitGone();
    }
    CdcPipeline pipeline = pipeline();
    if (pipeline != null && resnapshot(pipeline).getStep() != null) {
      client.resources(CdcPipeline.class).inNamespace(NS).withName("shop").delete();
      await("CdcPipeline shop deleted", () -> pipeline() == null);
    }
  }

  private static void await(String what, java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not seen within 10 s: " + what);
      }
      try {
        Thread.sleep(20); // each look asks the API server
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }

  private static void awaitGone() {
    await("KafkaConnector cdc-source deleted", () -> connector() == null);
  }

  /** Without {@code spec.resnapshot} a lost slot is named and the connector left alone. */
  @Test
  void aLostSlotIsOnlyNamedWhenTheSpecDoesNotAskForReSnapshots() throws InterruptedException {
    withSpec(spec -> spec.setResnapshot(null));
    try {
      STAGES.walStatus = "lost";
      awaitStatus("WalLost", p -> "WalLost".equals(condition(p, "Ready").getReason()));
      Thread.sleep(1_000);
      assertThat(connector().getSpec().getState()).isNotEqualTo(ConnectorState.STOPPED);
      assertThat(STAGES.slotsReleased).isZero();
    } finally {
      // Healed before the spec asks for re-snapshots again, which a lost slot would start.
      STAGES.heal();
      awaitStatus(
          "SlotHealthy", p -> "SlotHealthy".equals(condition(p, "SourceReady").getReason()));
      withSpec(spec -> {});
      healthyPipeline();
    }
  }

  /**
   * The pipeline's spec from its fixture, then changed; returns once the reconciler has looked at
   * the changed spec, so a fault set next is never judged against the spec before it.
   */
  private static void withSpec(Consumer<io.cdcplatform.operator.api.CdcPipelineSpec> change) {
    CdcPipeline changed =
        client
            .resources(CdcPipeline.class)
            .inNamespace(NS)
            .withName("shop")
            .edit(
                p -> {
                  p.setSpec(fixture("pipeline.yaml", CdcPipeline.class).getSpec());
                  change.accept(p.getSpec());
                  return p;
                });
    long generation = changed.getMetadata().getGeneration();
    awaitStatus(
        "observedGeneration " + generation,
        p ->
            p.getStatus().getObservedGeneration() != null
                && p.getStatus().getObservedGeneration() >= generation);
  }

  private static int resnapshotsCompleted() {
    return resnapshot(pipeline()).getCompleted();
  }

  private static io.cdcplatform.operator.api.ResnapshotStatus resnapshot(CdcPipeline pipeline) {
    var status = pipeline.getStatus() == null ? null : pipeline.getStatus().getResnapshot();
    return status == null ? new io.cdcplatform.operator.api.ResnapshotStatus() : status;
  }

  private static KafkaConnector connector() {
    return client.resources(KafkaConnector.class).inNamespace(NS).withName("cdc-source").get();
  }

  private static java.util.Map<String, String> annotations(KafkaConnector connector) {
    return connector.getMetadata().getAnnotations() == null
        ? java.util.Map.of()
        : connector.getMetadata().getAnnotations();
  }

  /** The connector's configured tables, as the chart renders them from the definition. */
  private static void setConnectorTables(String tables) {
    editConnector(c -> c.getSpec().getConfig().put("table.include.list", tables));
  }

  /** Changes the connector's resource as a person or Strimzi would. */
  private static void editConnector(Consumer<KafkaConnector> change) {
    client
        .resources(KafkaConnector.class)
        .inNamespace(NS)
        .withName("cdc-source")
        .edit(
            c -> {
              change.accept(c);
              return c;
            });
  }

  /** The connector's state as Strimzi would report it from Connect. */
  @SuppressWarnings("unchecked")
  private static void setConnectorState(String state) {
    setStatus(
        KafkaConnector.class,
        "cdc-source",
        c -> {
          ((java.util.Map<String, Object>) c.getStatus().getConnectorStatus().get("connector"))
              .put("state", state);
          c.getStatus().setObservedGeneration(c.getMetadata().getGeneration());
        });
  }

  @Test
  void theStatusSaysHowContinuousVerificationGoesAndDeletedPipelinesAreForgotten() {
    assertThat(pipeline().getStatus().getVerification()).isNull();
    assertThat(STAGES.retained).containsExactly(NS + "/shop");
    String line = "every 30 s, 2 tables against their oracles, as cdc_verifier; newest round equal";
    STAGES.verification = line;
    awaitStatus("verification", p -> line.equals(p.getStatus().getVerification()));
    STAGES.verification = "not running: Secret shop/cdc-verifier-credentials does not exist";
    awaitStatus(
        "verification not running",
        p -> String.valueOf(p.getStatus().getVerification()).startsWith("not running: Secret"));
    assertThat(condition(pipeline(), "Ready").getStatus())
        .as("verification that cannot run does not judge the data")
        .isEqualTo("True");
  }

  @Test
  void statusIsWrittenOnlyWhenItChanges() throws InterruptedException {
    // Start from a quiet state: the previous test's recovery events, and the status this test's
    // healthy stages lead to (a status-only change, such as verification's line, makes no event),
    // may still be arriving. Quiet means neither moved for a second.
    long events = events().size();
    String version = pipeline().getMetadata().getResourceVersion();
    int quietLooks = 0;
    for (int i = 0; i < 40 && quietLooks < 4; i++) {
      Thread.sleep(250);
      long nowEvents = events().size();
      String nowVersion = pipeline().getMetadata().getResourceVersion();
      quietLooks = nowEvents == events && nowVersion.equals(version) ? quietLooks + 1 : 0;
      events = nowEvents;
      version = nowVersion;
    }

    Thread.sleep(2_000); // several looks at a pipeline that does not change

    assertThat(pipeline().getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(events().size()).isEqualTo(events);
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusHolds() {
    String sourceSince = condition(pipeline(), "SourceReady").getLastTransitionTime();
    NOW.set(NOW.get().plusSeconds(60));

    STAGES.freshness = Duration.ofSeconds(45);
    CdcPipeline stale =
        awaitStatus("SinkFresh False", p -> "False".equals(condition(p, "SinkFresh").getStatus()));

    assertThat(condition(stale, "SourceReady").getLastTransitionTime()).isEqualTo(sourceSince);
    assertThat(condition(stale, "SinkFresh").getLastTransitionTime())
        .isEqualTo(NOW.get().toString());
  }

  @Test
  void aSpecTheSchemaWouldRejectIsReportedInReady() {
    CdcPipeline bad = fixture("pipeline.yaml", CdcPipeline.class);
    bad.getMetadata().setName("bad-slo");
    bad.getSpec().getSlo().setMaxFreshness("soon");
    client.resource(bad).inNamespace(NS).create();

    CdcPipeline judged =
        awaitStatus(
            "bad-slo", "SpecInvalid", p -> "SpecInvalid".equals(condition(p, "Ready").getReason()));

    assertThat(condition(judged, "Ready").getMessage())
        .isEqualTo(
            "spec.slo.maxFreshness: expected a positive duration such as 500ms, 30s, 2m or 1h, got \"soon\"");
    assertThat(judged.getStatus().getConditions()).hasSize(1);
    client.resource(judged).delete();
  }

  @Test
  void metricsCarryEveryConditionAndFigure() {
    String metrics = METRICS.render();

    assertThat(metrics)
        .contains(
            "cdc_pipeline_condition{namespace=\"shop\",pipeline=\"shop\",condition=\"Ready\"} 1")
        .contains(
            "cdc_pipeline_condition{namespace=\"shop\",pipeline=\"shop\",condition=\"SourceReady\"} 1")
        .contains("cdc_pipeline_freshness_seconds{namespace=\"shop\",pipeline=\"shop\"} 2")
        .contains("cdc_pipeline_retained_wal_bytes{namespace=\"shop\",pipeline=\"shop\"} 524288")
        .contains("cdc_pipeline_consumer_lag_records{namespace=\"shop\",pipeline=\"shop\"} 40")
        .contains("cdc_pipeline_kafka_brokers{namespace=\"shop\",pipeline=\"shop\"} 3")
        .contains("cdc_pipeline_unapplied_entries{namespace=\"shop\",pipeline=\"shop\"} 0");
  }

  @Test
  void theEndpointsServeMetricsAndEachVerdictAsJson() throws Exception {
    try (OperatorEndpoints endpoints = new OperatorEndpoints(0, METRICS, () -> true)) {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + endpoints.port();
      java.util.function.Function<String, java.net.http.HttpResponse<String>> get =
          path -> {
            try {
              return http.send(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path)).build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          };

      var verdict = get.apply("/verdicts/shop/shop");
      assertThat(verdict.statusCode()).isEqualTo(200);
      assertThat(verdict.body())
          .contains("\"ready\":true", "\"type\":\"SinkFresh\"", "\"freshnessMs\":2000");
      assertThat(get.apply("/verdicts/shop/other").statusCode()).isEqualTo(404);
      assertThat(get.apply("/metrics").body()).contains("cdc_pipeline_condition{");
      assertThat(get.apply("/readyz").statusCode()).isEqualTo(200);
      assertThat(get.apply("/healthz").body()).isEqualTo("ok\n");
    }
  }

  private static CdcPipeline pipeline() {
    return pipeline("shop");
  }

  private static CdcPipeline pipeline(String name) {
    return client.resources(CdcPipeline.class).inNamespace(NS).withName(name).get();
  }

  private static CdcPipeline awaitStatus(String expected, Predicate<CdcPipeline> matches) {
    return awaitStatus("shop", expected, matches);
  }

  private static CdcPipeline awaitStatus(
      String name, String expected, Predicate<CdcPipeline> matches) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    CdcPipeline last = null;
    while (System.nanoTime() < deadline) {
      last = pipeline(name);
      if (last != null && last.getStatus() != null && matches.test(last)) {
        return last;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError(
        "no status "
            + expected
            + " within 20 s; last: "
            + (last == null ? "none" : Serialization.asYaml(last.getStatus())));
  }

  private static Condition condition(CdcPipeline pipeline, String type) {
    return pipeline.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElse(new Condition());
  }

  /** The events recorded on the pipeline "shop". */
  private static List<Event> events() {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "shop".equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** Creates or replaces the resource, then writes its status as its operator would. */
  private static <T extends HasMetadata> void apply(T resource) {
    var resources = client.resources((Class<T>) resource.getClass()).inNamespace(NS);
    T current = resources.withName(resource.getMetadata().getName()).get();
    if (current == null) {
      resources.resource(resource).create();
    }
    T stored = resources.withName(resource.getMetadata().getName()).get();
    copyStatus(resource, stored);
    resources.resource(stored).updateStatus();
  }

  private static <T extends HasMetadata> void setStatus(
      Class<T> kind, String name, Consumer<T> change) {
    var resources = client.resources(kind).inNamespace(NS);
    T current = resources.withName(name).get();
    change.accept(current);
    resources.resource(current).updateStatus();
  }

  private static void copyStatus(HasMetadata from, HasMetadata to) {
    if (from instanceof Kafka source && to instanceof Kafka target) {
      target.setStatus(source.getStatus());
    } else if (from instanceof KafkaConnect source && to instanceof KafkaConnect target) {
      target.setStatus(source.getStatus());
    } else if (from instanceof KafkaConnector source && to instanceof KafkaConnector target) {
      target.setStatus(source.getStatus());
    } else if (from instanceof FlinkDeployment source && to instanceof FlinkDeployment target) {
      target.setStatus(source.getStatus());
    }
  }

  private static <T> T fixture(String name, Class<T> type) {
    try (InputStream in =
        CdcPipelineReconcilerTest.class.getResourceAsStream("/fixtures/" + name)) {
      return Serialization.unmarshal(in, type);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void register(CustomResourceDefinition crd) {
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
  }

  private static CustomResourceDefinition generatedCrd() throws IOException {
    Path file = Path.of(System.getProperty("crd.dir"), "cdcpipelines.cdcplatform.io-v1.yml");
    return Serialization.unmarshal(Files.readString(file), CustomResourceDefinition.class);
  }

  private static CustomResourceDefinition resourceCrd(String path) throws IOException {
    try (InputStream in = FlinkDeployment.class.getClassLoader().getResourceAsStream(path)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }

  // The mock server does no schema validation, so Strimzi's CRDs are registered with an open
  // schema; chart-tools validates against Strimzi's real, generated ones.
  private static CustomResourceDefinition strimziCrd(String kind, String plural) {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName(plural + ".kafka.strimzi.io")
        .endMetadata()
        .withNewSpec()
        .withGroup("kafka.strimzi.io")
        .withScope("Namespaced")
        .withNewNames()
        .withKind(kind)
        .withPlural(plural)
        .endNames()
        .addNewVersion()
        .withName("v1")
        .withServed(true)
        .withStorage(true)
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .endSubresources()
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .endVersion()
        .endSpec()
        .build();
  }
}
