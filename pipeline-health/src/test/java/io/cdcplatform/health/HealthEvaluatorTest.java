package io.cdcplatform.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HealthEvaluatorTest {

  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private static final Slo SLO =
      new Slo(Duration.ofSeconds(30), 1 << 20, Duration.ofSeconds(60), 1000);

  private static final ResourceReadiness CONNECTOR_CR =
      new ResourceReadiness("KafkaConnector", "cdc-source", true, true, "", 2, 2);
  private static final ResourceReadiness CONNECT_CR =
      new ResourceReadiness("KafkaConnect", "cdc-connect", true, true, "", 4, 4);
  private static final ResourceReadiness KAFKA_CR =
      new ResourceReadiness("Kafka", "cdc", true, true, "", 1, 1);
  private static final ProcessingObservation.Deployment FLINK_CR =
      new ProcessingObservation.Deployment("cdc-analytics", true, "STABLE", "READY", "", 3, 3);

  static PipelineSnapshot healthy() {
    return new PipelineSnapshot(
        SLO,
        Observed.of(new SourceObservation("cdc_debezium", true, true, "reserved", 64 * 1024)),
        Observed.of(
            new CaptureObservation(
                "cdc-source",
                "RUNNING",
                List.of(new CaptureObservation.Task(0, "RUNNING", "")),
                CONNECTOR_CR,
                CONNECT_CR)),
        Observed.of(new TransportObservation("cdc", 3, 3, List.of(), List.of(), KAFKA_CR)),
        Observed.of(
            new ProcessingObservation(
                "cdc-analytics",
                "RUNNING",
                NOW.minusSeconds(600),
                NOW.minusSeconds(2),
                120,
                FLINK_CR)),
        Observed.of(new SinkObservation("analytics.freshness", NOW.minusSeconds(3))));
  }

  static PipelineSnapshot source(PipelineSnapshot s, SourceObservation o) {
    return new PipelineSnapshot(
        s.slo(), Observed.of(o), s.capture(), s.transport(), s.processing(), s.sink());
  }

  static PipelineSnapshot capture(PipelineSnapshot s, Observed<CaptureObservation> o) {
    return new PipelineSnapshot(s.slo(), s.source(), o, s.transport(), s.processing(), s.sink());
  }

  static PipelineSnapshot transport(PipelineSnapshot s, TransportObservation o) {
    return new PipelineSnapshot(
        s.slo(), s.source(), s.capture(), Observed.of(o), s.processing(), s.sink());
  }

  static PipelineSnapshot processing(PipelineSnapshot s, Observed<ProcessingObservation> o) {
    return new PipelineSnapshot(s.slo(), s.source(), s.capture(), s.transport(), o, s.sink());
  }

  static PipelineSnapshot sink(PipelineSnapshot s, SinkObservation o) {
    return new PipelineSnapshot(
        s.slo(), s.source(), s.capture(), s.transport(), s.processing(), Observed.of(o));
  }

  private static CaptureObservation failedTask(CaptureObservation.Restarts restarts) {
    return new CaptureObservation(
        "cdc-source",
        "RUNNING",
        List.of(
            new CaptureObservation.Task(
                0, "FAILED", "PSQLException: the database system is starting up")),
        CONNECTOR_CR,
        CONNECT_CR,
        restarts);
  }

  private static CaptureObservation connector(
      String state, List<CaptureObservation.Task> tasks, ResourceReadiness cr) {
    return new CaptureObservation("cdc-source", state, tasks, cr, CONNECT_CR);
  }

  private static ProcessingObservation job(
      String state, Instant lastCheckpoint, long lag, ProcessingObservation.Deployment cr) {
    return new ProcessingObservation(
        "cdc-analytics", state, NOW.minusSeconds(600), lastCheckpoint, lag, cr);
  }

  private static Arguments failure(
      String name,
      Stage stage,
      Reason reason,
      String message,
      UnaryOperator<PipelineSnapshot> change) {
    return Arguments.of(name, stage, reason, message, change);
  }

  static Stream<Arguments> failures() {
    List<CaptureObservation.Task> running = List.of(new CaptureObservation.Task(0, "RUNNING", ""));
    return Stream.of(
        failure(
            "slot missing",
            Stage.SOURCE,
            Reason.SLOT_MISSING,
            "slot cdc_debezium does not exist",
            s -> source(s, SourceObservation.missing("cdc_debezium"))),
        failure(
            "slot inactive",
            Stage.SOURCE,
            Reason.SLOT_INACTIVE,
            "slot cdc_debezium has no streaming client; it holds 2.0 MiB",
            s ->
                source(s, new SourceObservation("cdc_debezium", true, false, "reserved", 2 << 20))),
        failure(
            "wal lost",
            Stage.SOURCE,
            Reason.WAL_LOST,
            "wal_status lost",
            s -> source(s, new SourceObservation("cdc_debezium", true, true, "lost", 0))),
        failure(
            "retained wal above slo",
            Stage.SOURCE,
            Reason.RETAINED_WAL_ABOVE_SLO,
            "slot cdc_debezium retains 1.5 MiB of WAL, above the SLO of 1.0 MiB",
            s -> source(s, new SourceObservation("cdc_debezium", true, true, "extended", 3 << 19))),
        failure(
            "postgres unreachable",
            Stage.SOURCE,
            Reason.UNREACHABLE,
            "PostgreSQL at db:5432: Connection refused",
            s ->
                new PipelineSnapshot(
                    s.slo(),
                    Observed.failed("PostgreSQL at db:5432: Connection refused"),
                    s.capture(),
                    s.transport(),
                    s.processing(),
                    s.sink())),
        failure(
            "connector missing",
            Stage.CAPTURE,
            Reason.CONNECTOR_MISSING,
            "connector cdc-source is not known",
            s -> capture(s, Observed.of(connector(null, List.of(), CONNECTOR_CR)))),
        failure(
            "connector paused",
            Stage.CAPTURE,
            Reason.CONNECTOR_NOT_RUNNING,
            "connector cdc-source is PAUSED",
            s -> capture(s, Observed.of(connector("PAUSED", running, CONNECTOR_CR)))),
        failure(
            "connector without tasks",
            Stage.CAPTURE,
            Reason.NO_TASKS,
            "connector cdc-source runs no tasks",
            s -> capture(s, Observed.of(connector("RUNNING", List.of(), CONNECTOR_CR)))),
        failure(
            "task failed",
            Stage.CAPTURE,
            Reason.TASK_NOT_RUNNING,
            "connector cdc-source task 0 is FAILED: PSQLException: FATAL: password authentication failed",
            s ->
                capture(
                    s,
                    Observed.of(
                        connector(
                            "RUNNING",
                            List.of(
                                new CaptureObservation.Task(
                                    0,
                                    "FAILED",
                                    "PSQLException: FATAL: password authentication failed")),
                            CONNECTOR_CR)))),
        failure(
            "task failed, the operator restarting it",
            Stage.CAPTURE,
            Reason.TASK_NOT_RUNNING,
            "connector cdc-source task 0 is FAILED: PSQLException: the database system is"
                + " starting up; the operator restarts it automatically (2 restart(s) so far of"
                + " at most 8)",
            s -> capture(s, Observed.of(failedTask(new CaptureObservation.Restarts(2, 8, NOW))))),
        failure(
            "task failed, the operator's restarts used up",
            Stage.CAPTURE,
            Reason.RESTARTS_EXHAUSTED,
            "connector cdc-source task 0 is FAILED: PSQLException: the database system is"
                + " starting up; the operator's automatic restarts are exhausted (8 of 8, the"
                + " last at 2026-11-24T12:00:00Z): it stays failed until restarted by hand",
            s -> capture(s, Observed.of(failedTask(new CaptureObservation.Restarts(8, 8, NOW))))),
        failure(
            "connector failed, the operator's restarts used up",
            Stage.CAPTURE,
            Reason.RESTARTS_EXHAUSTED,
            "connector cdc-source is FAILED; the operator's automatic restarts are exhausted (3"
                + " of 3): it stays failed until restarted by hand",
            s ->
                capture(
                    s,
                    Observed.of(
                        new CaptureObservation(
                            "cdc-source",
                            "FAILED",
                            running,
                            CONNECTOR_CR,
                            CONNECT_CR,
                            new CaptureObservation.Restarts(3, 3, null))))),
        failure(
            "connector resource not ready",
            Stage.CAPTURE,
            Reason.RESOURCE_NOT_READY,
            "KafkaConnector/cdc-source is not Ready: InvalidResourceException",
            s ->
                capture(
                    s,
                    Observed.of(
                        connector(
                            "RUNNING",
                            running,
                            new ResourceReadiness(
                                "KafkaConnector",
                                "cdc-source",
                                true,
                                false,
                                "InvalidResourceException",
                                2,
                                2))))),
        failure(
            "connector generation not observed",
            Stage.CAPTURE,
            Reason.GENERATION_NOT_OBSERVED,
            "KafkaConnector/cdc-source is at generation 3 but its operator has only observed 2",
            s ->
                capture(
                    s,
                    Observed.of(
                        connector(
                            "RUNNING",
                            running,
                            new ResourceReadiness(
                                "KafkaConnector", "cdc-source", true, true, "", 3, 2))))),
        failure(
            "connector resource missing",
            Stage.CAPTURE,
            Reason.RESOURCE_MISSING,
            "KafkaConnector/cdc-source does not exist",
            s ->
                capture(
                    s,
                    Observed.of(
                        connector(
                            null,
                            List.of(),
                            ResourceReadiness.missing("KafkaConnector", "cdc-source"))))),
        failure(
            "kafka resource missing",
            Stage.TRANSPORT,
            Reason.RESOURCE_MISSING,
            "Kafka/cdc does not exist",
            s ->
                transport(
                    s,
                    new TransportObservation(
                        "cdc",
                        3,
                        3,
                        List.of(),
                        List.of(),
                        ResourceReadiness.missing("Kafka", "cdc")))),
        failure(
            "flink deployment missing",
            Stage.PROCESSING,
            Reason.RESOURCE_MISSING,
            "FlinkDeployment/cdc-analytics does not exist",
            s ->
                processing(
                    s,
                    Observed.of(
                        job(
                            null,
                            null,
                            0,
                            ProcessingObservation.Deployment.missing("cdc-analytics"))))),
        failure(
            "connect unreachable",
            Stage.CAPTURE,
            Reason.UNREACHABLE,
            "Kafka Connect at http://connect:8083",
            s ->
                capture(
                    s,
                    Observed.failed("Kafka Connect at http://connect:8083: Connection refused"))),
        failure(
            "broker missing",
            Stage.TRANSPORT,
            Reason.BROKERS_MISSING,
            "Kafka cluster cdc has 2 of 3 brokers",
            s ->
                transport(
                    s,
                    new TransportObservation(
                        "cdc", 3, 2, List.of(), List.of("cdc.shop.orders-0"), KAFKA_CR))),
        failure(
            "offline partitions",
            Stage.TRANSPORT,
            Reason.OFFLINE_PARTITIONS,
            "Kafka cluster cdc has 4 partitions (a-0, a-1, a-2, ...) without a leader",
            s ->
                transport(
                    s,
                    new TransportObservation(
                        "cdc", 3, 3, List.of("a-0", "a-1", "a-2", "a-3"), List.of(), KAFKA_CR))),
        failure(
            "under-replicated",
            Stage.TRANSPORT,
            Reason.UNDER_REPLICATED_PARTITIONS,
            "Kafka cluster cdc has 1 partition (cdc.shop.orders-2) under-replicated",
            s ->
                transport(
                    s,
                    new TransportObservation(
                        "cdc", 3, 3, List.of(), List.of("cdc.shop.orders-2"), KAFKA_CR))),
        failure(
            "kafka resource not ready",
            Stage.TRANSPORT,
            Reason.RESOURCE_NOT_READY,
            "Kafka/cdc is not Ready",
            s ->
                transport(
                    s,
                    new TransportObservation(
                        "cdc",
                        3,
                        3,
                        List.of(),
                        List.of(),
                        new ResourceReadiness("Kafka", "cdc", true, false, "", 1, 1)))),
        failure(
            "job manager not ready",
            Stage.PROCESSING,
            Reason.JOB_MANAGER_NOT_READY,
            "FlinkDeployment/cdc-analytics's JobManager is DEPLOYING",
            s ->
                processing(
                    s,
                    Observed.of(
                        job(
                            "RUNNING",
                            NOW,
                            0,
                            new ProcessingObservation.Deployment(
                                "cdc-analytics", true, "DEPLOYED", "DEPLOYING", "", 3, 3))))),
        failure(
            "deployment not stable",
            Stage.PROCESSING,
            Reason.DEPLOYMENT_NOT_STABLE,
            "FlinkDeployment/cdc-analytics is UPGRADING",
            s ->
                processing(
                    s,
                    Observed.of(
                        job(
                            "RUNNING",
                            NOW,
                            0,
                            new ProcessingObservation.Deployment(
                                "cdc-analytics", true, "UPGRADING", "READY", "", 3, 3))))),
        failure(
            "deployment generation not observed",
            Stage.PROCESSING,
            Reason.GENERATION_NOT_OBSERVED,
            "FlinkDeployment/cdc-analytics is at generation 4 but the Flink operator has only reconciled 3",
            s ->
                processing(
                    s,
                    Observed.of(
                        job(
                            "RUNNING",
                            NOW,
                            0,
                            new ProcessingObservation.Deployment(
                                "cdc-analytics", true, "STABLE", "READY", "", 4, 3))))),
        failure(
            "job restarting",
            Stage.PROCESSING,
            Reason.JOB_NOT_RUNNING,
            "job cdc-analytics is RESTARTING",
            s -> processing(s, Observed.of(job("RESTARTING", NOW, 0, FLINK_CR)))),
        failure(
            "no job",
            Stage.PROCESSING,
            Reason.JOB_NOT_RUNNING,
            "job cdc-analytics is not running",
            s -> processing(s, Observed.of(job(null, null, 0, FLINK_CR)))),
        failure(
            "no checkpoint",
            Stage.PROCESSING,
            Reason.NO_CHECKPOINT,
            "job cdc-analytics has completed no checkpoint in 600 s, above the SLO of 60 s",
            s -> processing(s, Observed.of(job("RUNNING", null, 0, FLINK_CR)))),
        failure(
            "checkpoint too old",
            Stage.PROCESSING,
            Reason.CHECKPOINT_TOO_OLD,
            "job cdc-analytics's newest checkpoint is 61 s old, above the SLO of 60 s",
            s -> processing(s, Observed.of(job("RUNNING", NOW.minusSeconds(61), 0, FLINK_CR)))),
        failure(
            "consumer lag",
            Stage.PROCESSING,
            Reason.CONSUMER_LAG_ABOVE_SLO,
            "job cdc-analytics is 1001 records behind its topics, above the SLO of 1000",
            s -> processing(s, Observed.of(job("RUNNING", NOW, 1001, FLINK_CR)))),
        failure(
            "flink unreachable",
            Stage.PROCESSING,
            Reason.UNREACHABLE,
            "Flink REST at http://jm:8081",
            s -> processing(s, Observed.failed("Flink REST at http://jm:8081: timed out"))),
        failure(
            "no heartbeat",
            Stage.SINK,
            Reason.NO_HEARTBEAT,
            "no heartbeat has reached analytics.freshness yet",
            s -> sink(s, new SinkObservation("analytics.freshness", null))),
        failure(
            "stale",
            Stage.SINK,
            Reason.FRESHNESS_ABOVE_SLO,
            "analytics.freshness trails the source by 31 s, above the SLO of 30 s",
            s -> sink(s, new SinkObservation("analytics.freshness", NOW.minusSeconds(31)))),
        failure(
            "a change not applied",
            Stage.RESULTS,
            Reason.CHANGES_NOT_APPLIED,
            "shop.orders has a change that was not applied, cdc.shop.orders/1@17: after.amount"
                + " (numeric(12,2)): expected a decimal. The analytics over shop.orders miss this"
                + " change. (1 more in analytics.unapplied)",
            s -> sink(s, ledger(NOT_STORED, NOT_APPLIED))),
        failure(
            "a result not stored",
            Stage.RESULTS,
            Reason.RESULTS_NOT_STORED,
            "analytics.category_revenue_minute could not store the result of group"
                + " (category=xxxx, minute_start=2026-12-02T05:00): index row size 3120 exceeds"
                + " btree version 4 maximum 2704 (SQLSTATE 54000). The group is left out",
            s -> sink(s, ledger(NOT_STORED))),
        failure(
            "drift confirmed by two rounds",
            Stage.RESULTS,
            Reason.RESULTS_DRIFT,
            "continuous verification rounds 5 and 7 found 1 of 4 tables different from their"
                + " oracles at a source commit the tables had fully passed (LSN 0/1A2B3C4,"
                + " through transaction 9120): analytics.status_totals: 1 rows differ, table "
                + " (TAMPERED,1,1.00)",
            s -> sink(s, verified(round(7, DRIFT), round(5, DRIFT)))));
  }

  private static final String DRIFT =
      "analytics.status_totals: 1 rows differ, table  (TAMPERED,1,1.00)";

  private static ContinuousVerifier.Round round(long round, String drift) {
    return new ContinuousVerifier.Round(
        round,
        drift.isEmpty() ? ContinuousVerifier.Outcome.EQUAL : ContinuousVerifier.Outcome.DIFFERING,
        "0/1A2B3C4",
        9120,
        4,
        drift.isEmpty() ? 0 : 1,
        drift);
  }

  /** Fresh tables with an empty ledger and these verification rounds, newest first. */
  private static SinkObservation verified(ContinuousVerifier.Round... rounds) {
    return new SinkObservation(
        "analytics.freshness", NOW.minusSeconds(3), 0L, List.of(), List.of(rounds));
  }

  @Test
  void oneRoundFindingADifferenceIsNotYetDriftAndAnEqualRoundClearsIt() {
    Verdict once =
        HealthEvaluator.evaluate(sink(healthy(), verified(round(7, DRIFT), round(6, ""))), NOW);
    assertThat(once.condition(Stage.RESULTS).reason()).isEqualTo(Reason.RESULTS_EXACT);
    assertThat(once.condition(Stage.RESULTS).message())
        .endsWith("round 7 found a difference, which the next round confirms or clears");
    assertThat(once.figures().tablesDiffering()).isEqualTo(1);

    Verdict healed =
        HealthEvaluator.evaluate(sink(healthy(), verified(round(8, ""), round(7, DRIFT))), NOW);
    assertThat(healed.ready().isTrue()).isTrue();
    assertThat(healed.condition(Stage.RESULTS).message())
        .endsWith("round 8 found all 4 tables equal to their oracles at LSN 0/1A2B3C4");
    assertThat(healed.figures().tablesDiffering()).isZero();
  }

  @Test
  void aSnapshotSeesWhatCommittedBeforeItAcrossTheEpoch() {
    long epoch = 3L << 32;
    ContinuousVerifier.Snapshot snapshot =
        ContinuousVerifier.Snapshot.parse(
            (epoch + 100) + ":" + (epoch + 110) + ":" + (epoch + 104));
    assertThat(snapshot.sees(99)).as("before xmin").isTrue();
    assertThat(snapshot.sees(103)).as("between, finished").isTrue();
    assertThat(snapshot.sees(104)).as("running then").isFalse();
    assertThat(snapshot.sees(110)).as("xmax").isFalse();
    assertThat(snapshot.sees(111)).as("began after the snapshot").isFalse();
    assertThat(snapshot.sees(5_000)).as("began well after the snapshot").isFalse();
    assertThat(snapshot.sees(0xFFFF_FFF0L)).as("the epoch before").isTrue();
    // A cut through 4600 whose next transaction, 4602, committed after the snapshot was taken.
    ContinuousVerifier.Snapshot quiet = ContinuousVerifier.Snapshot.parse("4601:4601:");
    assertThat(quiet.sees(4600)).isTrue();
    assertThat(quiet.sees(4602)).as("the first transaction after the cut").isFalse();
    // Just after an epoch began: ids near 2^32 are the epoch before, small ones this epoch.
    ContinuousVerifier.Snapshot wrapped =
        ContinuousVerifier.Snapshot.parse((epoch + 2) + ":" + (epoch + 5) + ":");
    assertThat(wrapped.sees(0xFFFF_FFFEL)).isTrue();
    assertThat(wrapped.sees(4)).isTrue();
    assertThat(wrapped.sees(6)).isFalse();
    assertThat(ContinuousVerifier.lsnNumber("16/B374D848")).isEqualTo(0x16_B374_D848L);
  }

  private static final UnappliedEntry NOT_APPLIED =
      new UnappliedEntry(
          "shop.orders",
          "cdc.shop.orders/1@17",
          UnappliedEntry.CHANGE_NOT_APPLIED,
          "after.amount (numeric(12,2)): expected a decimal",
          "The analytics over shop.orders miss this change.",
          NOW.minusSeconds(60));
  private static final UnappliedEntry NOT_STORED =
      new UnappliedEntry(
          "analytics.category_revenue_minute",
          "(category=xxxx, minute_start=2026-12-02T05:00)",
          UnappliedEntry.RESULT_NOT_STORED,
          "index row size 3120 exceeds btree version 4 maximum 2704 (SQLSTATE 54000)",
          "The group is left out.",
          NOW.minusSeconds(120));

  /** Fresh tables whose ledger holds these entries, oldest first. */
  private static SinkObservation ledger(UnappliedEntry... entries) {
    return new SinkObservation(
        "analytics.freshness", NOW.minusSeconds(3), (long) entries.length, List.of(entries));
  }

  @Test
  void aPipelineWhoseLedgerIsMissingIsNotKnownToBeExact() {
    Verdict verdict =
        HealthEvaluator.evaluate(
            sink(
                healthy(),
                new SinkObservation("analytics.freshness", NOW.minusSeconds(3), null, List.of())),
            NOW);

    assertThat(verdict.condition(Stage.RESULTS).status()).isEqualTo(Condition.Status.UNKNOWN);
    assertThat(verdict.condition(Stage.RESULTS).reason()).isEqualTo(Reason.LEDGER_MISSING);
    assertThat(verdict.ready().isTrue()).isFalse();
    assertThat(verdict.figures().unapplied()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void eachFailureClassFailsItsStageAndNamesItInReady(
      String name,
      Stage stage,
      Reason reason,
      String message,
      UnaryOperator<PipelineSnapshot> change) {
    Verdict verdict = HealthEvaluator.evaluate(change.apply(healthy()), NOW);

    Condition condition = verdict.condition(stage);
    assertThat(condition.status())
        .isEqualTo(
            reason == Reason.UNREACHABLE ? Condition.Status.UNKNOWN : Condition.Status.FALSE);
    assertThat(condition.reason()).isEqualTo(reason);
    assertThat(condition.message()).contains(message);
    assertThat(verdict.failingStage()).contains(stage);
    assertThat(verdict.ready().status()).isEqualTo(Condition.Status.FALSE);
    assertThat(verdict.ready().reason()).isEqualTo(reason);
    assertThat(verdict.ready().message())
        .startsWith(stage.conditionType() + ": ")
        .contains(message);
    for (Stage other : Stage.values()) {
      if (other != stage) {
        assertThat(verdict.condition(other).isTrue()).as(other.conditionType()).isTrue();
      }
    }
  }

  @Test
  void aHealthyPipelineIsReadyWithEveryStageTrueAndItsFigures() {
    Verdict verdict = HealthEvaluator.evaluate(healthy(), NOW);

    assertThat(verdict.conditions())
        .extracting(Condition::type)
        .containsExactly(
            "SourceReady",
            "CaptureReady",
            "TransportReady",
            "ProcessingReady",
            "SinkFresh",
            "ResultsExact",
            "Ready");
    assertThat(verdict.conditions()).allMatch(Condition::isTrue);
    assertThat(verdict.ready().reason()).isEqualTo(Reason.PIPELINE_FLOWING);
    assertThat(verdict.failingStage()).isEmpty();
    assertThat(verdict.figures())
        .isEqualTo(
            new Figures(
                64L * 1024, 1, 3, Duration.ofSeconds(2), 120L, Duration.ofSeconds(3), 0L, null));
    assertThat(verdict.condition(Stage.SOURCE).message())
        .isEqualTo("slot cdc_debezium is streaming (wal_status reserved) and retains 64.0 KiB");
  }

  @Test
  void readyNamesTheFirstFailingStageInPipelineOrder() {
    PipelineSnapshot twoFailures =
        sink(
            capture(healthy(), Observed.of(connector("FAILED", List.of(), CONNECTOR_CR))),
            new SinkObservation("analytics.freshness", NOW.minusSeconds(300)));

    Verdict verdict = HealthEvaluator.evaluate(twoFailures, NOW);

    assertThat(verdict.failingStage()).contains(Stage.CAPTURE);
    assertThat(verdict.ready().reason()).isEqualTo(Reason.CONNECTOR_NOT_RUNNING);
    assertThat(verdict.condition(Stage.SINK).reason()).isEqualTo(Reason.FRESHNESS_ABOVE_SLO);
  }

  @Test
  void anInactiveSlotWhileCaptureIsDownBlamesCapture() {
    PipelineSnapshot connectDown =
        capture(
            source(healthy(), new SourceObservation("cdc_debezium", true, false, "reserved", 4096)),
            Observed.failed("Kafka Connect at http://connect:8083 unreachable"));

    Verdict verdict = HealthEvaluator.evaluate(connectDown, NOW);

    assertThat(verdict.condition(Stage.SOURCE).reason()).isEqualTo(Reason.SLOT_INACTIVE);
    assertThat(verdict.failingStage()).contains(Stage.CAPTURE);
    assertThat(verdict.ready().reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(verdict.ready().message()).startsWith("CaptureReady: Kafka Connect at");
  }

  @Test
  void kafkaNotAnsweringTheJobsLagLookupFailsTransportNotProcessing() {
    // A killed broker still counts as registered for a while, and the cluster probe may have asked
    // one that answers; the lag lookup asked the dead one.
    PipelineSnapshot brokerGone =
        processing(
            healthy(),
            Observed.failedAt(
                Stage.TRANSPORT,
                "the consumer lag of group cdc-analytics: Kafka at kafka:9093 did not answer"
                    + " within 5 s"));

    Verdict verdict = HealthEvaluator.evaluate(brokerGone, NOW);

    assertThat(verdict.failingStage()).contains(Stage.TRANSPORT);
    assertThat(verdict.condition(Stage.TRANSPORT).status()).isEqualTo(Condition.Status.FALSE);
    assertThat(verdict.condition(Stage.PROCESSING).status()).isEqualTo(Condition.Status.UNKNOWN);
    assertThat(verdict.ready().reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(verdict.ready().message())
        .isEqualTo(
            "TransportReady: the consumer lag of group cdc-analytics: Kafka at kafka:9093 did not"
                + " answer within 5 s (asked for ProcessingReady)");
  }

  @Test
  void aStageAlreadyFailingKeepsItsOwnReasonWhenAnotherBlamesIt() {
    PipelineSnapshot both =
        processing(
            transport(
                healthy(), new TransportObservation("cdc", 3, 2, List.of(), List.of(), KAFKA_CR)),
            Observed.failedAt(Stage.TRANSPORT, "Kafka at kafka:9093 did not answer within 5 s"));

    Verdict verdict = HealthEvaluator.evaluate(both, NOW);

    assertThat(verdict.failingStage()).contains(Stage.TRANSPORT);
    assertThat(verdict.ready().reason()).isEqualTo(Reason.BROKERS_MISSING);
  }

  @Test
  void onlyAFailedObservationBlamesAStage() {
    assertThatThrownBy(() -> new Observed<>("seen", null, Stage.TRANSPORT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("only a failed observation blames a stage");
  }

  @Test
  void aLostSlotBlamesTheSourceEvenWhileCaptureIsDown() {
    PipelineSnapshot lost =
        capture(
            source(healthy(), new SourceObservation("cdc_debezium", true, false, "lost", 0)),
            Observed.of(connector("FAILED", List.of(), CONNECTOR_CR)));

    assertThat(HealthEvaluator.evaluate(lost, NOW).failingStage()).contains(Stage.SOURCE);
  }

  @Test
  void slotLagAboveSloMakesSourceNotReadyOnlyPastTheBoundary() {
    PipelineSnapshot atSlo =
        source(healthy(), new SourceObservation("s", true, true, "reserved", 1 << 20));
    PipelineSnapshot past =
        source(healthy(), new SourceObservation("s", true, true, "reserved", (1 << 20) + 1));

    assertThat(HealthEvaluator.evaluate(atSlo, NOW).condition(Stage.SOURCE).isTrue()).isTrue();
    assertThat(HealthEvaluator.evaluate(past, NOW).condition(Stage.SOURCE).reason())
        .isEqualTo(Reason.RETAINED_WAL_ABOVE_SLO);
  }

  @Test
  void aYoungJobWithoutCheckpointIsStillReady() {
    PipelineSnapshot young =
        processing(
            healthy(),
            Observed.of(
                new ProcessingObservation(
                    "cdc-analytics", "RUNNING", NOW.minusSeconds(5), null, 0, null)));

    Verdict verdict = HealthEvaluator.evaluate(young, NOW);

    assertThat(verdict.condition(Stage.PROCESSING).reason()).isEqualTo(Reason.JOB_RUNNING);
    assertThat(verdict.figures().checkpointAge()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aConnectClusterThatIsNotReadyIsBlamedBeforeItsConnector() {
    PipelineSnapshot connectDown =
        capture(
            healthy(),
            Observed.of(
                new CaptureObservation(
                    "cdc-source",
                    "UNASSIGNED",
                    List.of(),
                    CONNECTOR_CR,
                    new ResourceReadiness(
                        "KafkaConnect",
                        "cdc-connect",
                        true,
                        false,
                        "BuildFailed: image push refused",
                        4,
                        4))));

    Condition capture = HealthEvaluator.evaluate(connectDown, NOW).condition(Stage.CAPTURE);

    assertThat(capture.reason()).isEqualTo(Reason.RESOURCE_NOT_READY);
    assertThat(capture.message())
        .isEqualTo("KafkaConnect/cdc-connect is not Ready: BuildFailed: image push refused");
  }

  @Test
  void aClusterSeenOnlyThroughItsResourceIsJudgedByIt() {
    PipelineSnapshot brokersSilent =
        transport(
            healthy(),
            new TransportObservation(
                "cdc",
                3,
                TransportObservation.UNKNOWN,
                List.of(),
                List.of(),
                new ResourceReadiness(
                    "Kafka", "cdc", true, false, "TimeoutException: rolling", 1, 1)));

    Verdict verdict = HealthEvaluator.evaluate(brokersSilent, NOW);

    assertThat(verdict.condition(Stage.TRANSPORT).reason()).isEqualTo(Reason.RESOURCE_NOT_READY);
    assertThat(verdict.figures().brokers()).isNull();
  }

  @Test
  void unobservedStagesHaveNoFigures() {
    PipelineSnapshot blind =
        new PipelineSnapshot(
            SLO,
            Observed.failed("a"),
            Observed.failed("b"),
            Observed.failed("c"),
            Observed.failed("d"),
            Observed.failed("e"));

    Verdict verdict = HealthEvaluator.evaluate(blind, NOW);

    assertThat(verdict.figures())
        .isEqualTo(new Figures(null, null, null, null, null, null, null, null));
    assertThat(verdict.ready().message()).isEqualTo("SourceReady: a");
  }

  @Test
  void theSameSnapshotAndTimeGiveTheSameVerdict() {
    assertThat(HealthEvaluator.evaluate(healthy(), NOW))
        .isEqualTo(HealthEvaluator.evaluate(healthy(), NOW));
  }

  @Test
  void reasonsAreCamelCase() {
    assertThat(Reason.RETAINED_WAL_ABOVE_SLO).hasToString("RetainedWalAboveSlo");
    assertThat(Reason.PIPELINE_FLOWING.camelCase()).isEqualTo("PipelineFlowing");
    assertThat(Condition.Status.UNKNOWN).hasToString("Unknown");
  }

  @Test
  void badSlosAreRejectedNamingTheField() {
    assertThatThrownBy(() -> new Slo(Duration.ZERO, 1, Duration.ofSeconds(1), 0))
        .hasMessage("maxFreshness: expected a positive duration, got PT0S");
    assertThatThrownBy(() -> new Slo(Duration.ofSeconds(1), 0, Duration.ofSeconds(1), 0))
        .hasMessage("maxRetainedWalBytes: expected a positive number of bytes, got 0");
    assertThatThrownBy(() -> new Slo(Duration.ofSeconds(1), 1, Duration.ofSeconds(1), -1))
        .hasMessage("maxConsumerLag: expected zero or more records, got -1");
  }
}
