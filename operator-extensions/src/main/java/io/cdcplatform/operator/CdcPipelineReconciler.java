package io.cdcplatform.operator;

import io.cdcplatform.health.HealthEvaluator;
import io.cdcplatform.health.PipelineSnapshot;
import io.cdcplatform.health.Slo;
import io.cdcplatform.health.Verdict;
import io.cdcplatform.operator.api.CdcPipeline;
import io.cdcplatform.operator.api.CdcPipelineSpec;
import io.cdcplatform.operator.api.CdcPipelineStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.strimzi.api.kafka.model.connect.KafkaConnect;
import io.strimzi.api.kafka.model.connector.KafkaConnector;
import io.strimzi.api.kafka.model.kafka.Kafka;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Judges each CdcPipeline end to end: observe (informer caches and probes) → evaluate (pure) →
 * record (status when it changed, an event per changed condition, metrics). Re-evaluates soon while
 * the pipeline is not Ready and at a slower pace when it is, and whenever a referenced Kafka,
 * KafkaConnector or FlinkDeployment changes.
 */
@ControllerConfiguration(name = CdcPipelineReconciler.NAME)
public final class CdcPipelineReconciler implements Reconciler<CdcPipeline> {

  static final String NAME = "cdcpipeline";

  private static final Logger LOG = LoggerFactory.getLogger(CdcPipelineReconciler.class);

  /** How soon to look again: while Ready, and while not. */
  public record Pace(Duration ready, Duration notReady) {}

  private final StageProbes probes;
  private final PipelineObserver observer;
  private final PipelineMetrics metrics;
  private final Clock clock;
  private final Pace pace;
  private final Resnapshots resnapshots;

  CdcPipelineReconciler(StageProbes probes, PipelineMetrics metrics, Clock clock, Pace pace) {
    this.probes = probes;
    this.observer = new PipelineObserver(probes);
    this.metrics = metrics;
    this.clock = clock;
    this.pace = pace;
    this.resnapshots = new Resnapshots(probes);
  }

  @Override
  public UpdateControl<CdcPipeline> reconcile(CdcPipeline pipeline, Context<CdcPipeline> context) {
    MDC.put(
        "pipeline", pipeline.getMetadata().getNamespace() + "/" + pipeline.getMetadata().getName());
    try {
      Instant now = clock.instant();
      long generation = Optional.ofNullable(pipeline.getMetadata().getGeneration()).orElse(0L);
      CdcPipelineStatus previous = pipeline.getStatus();
      CdcPipelineStatus next;
      boolean ready;
      // A deleted pipeline is not reconciled again; what was kept for it goes with it here.
      java.util.Set<String> present =
          context
              .getPrimaryCache()
              .list()
              .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
              .collect(Collectors.toSet());
      probes.retain(present);
      resnapshots.retain(present);
      try {
        CdcPipelineSpec spec = SpecSettings.spec(pipeline);
        Slo slo = SpecSettings.slo(pipeline);
        PipelineSnapshot snapshot =
            observer.observe(
                pipeline,
                spec,
                slo,
                new PipelineObserver.Resources(
                    context.getSecondaryResource(Kafka.class),
                    context.getSecondaryResource(KafkaConnect.class),
                    context.getSecondaryResource(KafkaConnector.class),
                    context.getSecondaryResource(FlinkDeployment.class)));
        Verdict verdict = HealthEvaluator.evaluate(snapshot, now);
        metrics.record(
            pipeline.getMetadata().getNamespace(), pipeline.getMetadata().getName(), verdict);
        next = StatusRecorder.next(previous, verdict, generation, now);
        next.setVerification(probes.verification(pipeline, spec));
        next.setResnapshot(
            resnapshots.look(
                context.getClient(),
                pipeline,
                spec,
                verdict,
                context.getSecondaryResource(KafkaConnector.class).orElse(null),
                now));
        ready = verdict.ready().isTrue();
      } catch (SpecSettings.InvalidSpecException e) {
        next = StatusRecorder.invalid(previous, e.getMessage(), generation, now);
        next.setResnapshot(previous == null ? null : previous.getResnapshot());
        ready = false;
      }
      Duration again = ready ? pace.ready() : pace.notReady();
      if (next.equals(previous)) {
        return UpdateControl.<CdcPipeline>noUpdate().rescheduleAfter(again);
      }
      PipelineEvents events = new PipelineEvents(context.getClient());
      for (Condition changed : StatusRecorder.changes(previous, next)) {
        LOG.info(
            "{} is {} ({}): {}",
            changed.getType(),
            changed.getStatus(),
            changed.getReason(),
            changed.getMessage());
        events.changed(pipeline, changed, now);
      }
      pipeline.setStatus(next);
      return UpdateControl.patchStatus(pipeline).rescheduleAfter(again);
    } finally {
      MDC.remove("pipeline");
    }
  }

  @Override
  public List<EventSource<?, CdcPipeline>> prepareEventSources(
      EventSourceContext<CdcPipeline> context) {
    return List.of(
        informer(context, Kafka.class, spec -> spec.getTransport().getCluster()),
        informer(context, KafkaConnect.class, spec -> spec.getCapture().getConnect()),
        informer(context, KafkaConnector.class, spec -> spec.getCapture().getConnector()),
        informer(
            context, FlinkDeployment.class, spec -> spec.getProcessing().getFlinkDeployment()));
  }

  /**
   * An informer on one referenced kind, mapping each pipeline to the resource it names and each
   * resource back to every pipeline in its namespace that names it.
   */
  private static <R extends HasMetadata> InformerEventSource<R, CdcPipeline> informer(
      EventSourceContext<CdcPipeline> context,
      Class<R> kind,
      Function<CdcPipelineSpec, String> reference) {
    Function<CdcPipeline, String> named =
        pipeline -> {
          try {
            return reference.apply(SpecSettings.spec(pipeline));
          } catch (SpecSettings.InvalidSpecException | NullPointerException e) {
            return null;
          }
        };
    InformerEventSourceConfiguration<R> configuration =
        InformerEventSourceConfiguration.from(kind, CdcPipeline.class)
            .withName(kind.getSimpleName())
            .withPrimaryToSecondaryMapper(
                (CdcPipeline pipeline) -> {
                  String name = named.apply(pipeline);
                  return name == null
                      ? Set.of()
                      : Set.of(new ResourceID(name, pipeline.getMetadata().getNamespace()));
                })
            .withSecondaryToPrimaryMapper(
                resource ->
                    context
                        .getPrimaryCache()
                        .list(resource.getMetadata().getNamespace())
                        .filter(
                            pipeline ->
                                resource.getMetadata().getName().equals(named.apply(pipeline)))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    return new InformerEventSource<>(configuration, context);
  }
}
