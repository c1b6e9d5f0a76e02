package io.cdcplatform.operator;

import io.cdcplatform.health.CaptureObservation;
import io.cdcplatform.health.Observed;
import io.cdcplatform.health.PipelineSnapshot;
import io.cdcplatform.health.ProcessingObservation;
import io.cdcplatform.health.ResourceReadiness;
import io.cdcplatform.health.Slo;
import io.cdcplatform.health.TransportObservation;
import io.cdcplatform.operator.api.CdcPipeline;
import io.cdcplatform.operator.api.CdcPipelineSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.strimzi.api.kafka.model.common.Condition;
import io.strimzi.api.kafka.model.connect.KafkaConnect;
import io.strimzi.api.kafka.model.connector.KafkaConnector;
import io.strimzi.api.kafka.model.kafka.Kafka;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.status.FlinkDeploymentStatus;

/**
 * Reads one snapshot of a pipeline: the operators' resources from the informer caches (Strimzi's
 * Kafka, KafkaConnect and KafkaConnector, the FlinkDeployment) and the rest from the probes. Reads
 * only; the operators own their resources' status.
 */
final class PipelineObserver {

  /** The referenced resources, as the caches hold them; empty when they do not exist. */
  record Resources(
      Optional<Kafka> kafka,
      Optional<KafkaConnect> connect,
      Optional<KafkaConnector> connector,
      Optional<FlinkDeployment> flinkDeployment) {}

  private final StageProbes probes;

  PipelineObserver(StageProbes probes) {
    this.probes = probes;
  }

  PipelineSnapshot observe(
      CdcPipeline pipeline, CdcPipelineSpec spec, Slo slo, Resources resources) {
    return new PipelineSnapshot(
        slo,
        probes.slot(pipeline),
        Observed.of(capture(spec, resources.connect(), resources.connector())),
        transport(pipeline, spec, resources.kafka()),
        processing(pipeline, spec, resources.flinkDeployment()),
        probes.freshness(pipeline));
  }

  private static CaptureObservation capture(
      CdcPipelineSpec spec, Optional<KafkaConnect> connect, Optional<KafkaConnector> found) {
    String name = spec.getCapture().getConnector();
    ResourceReadiness worker =
        connect
            .map(
                c ->
                    readiness(
                        c,
                        c.getStatus() == null ? List.of() : c.getStatus().getConditions(),
                        c.getStatus() == null ? null : c.getStatus().getObservedGeneration()))
            .orElse(ResourceReadiness.missing("KafkaConnect", spec.getCapture().getConnect()));
    if (found.isEmpty()) {
      return new CaptureObservation(
          name, null, List.of(), ResourceReadiness.missing("KafkaConnector", name), worker);
    }
    KafkaConnector connector = found.get();
    List<Condition> conditions =
        connector.getStatus() == null ? List.of() : connector.getStatus().getConditions();
    Map<String, Object> status =
        connector.getStatus() == null ? null : connector.getStatus().getConnectorStatus();
    String state = null;
    List<CaptureObservation.Task> tasks = new ArrayList<>();
    if (status != null) {
      state = text(map(status.get("connector")).get("state"));
      for (Object entry : list(status.get("tasks"))) {
        Map<String, Object> task = map(entry);
        tasks.add(
            new CaptureObservation.Task(
                task.get("id") instanceof Number id ? id.intValue() : tasks.size(),
                task.get("state") == null ? "UNKNOWN" : text(task.get("state")),
                firstLine(text(task.get("trace")))));
      }
    }
    Long observed =
        connector.getStatus() == null ? null : connector.getStatus().getObservedGeneration();
    return new CaptureObservation(
        name,
        state,
        tasks,
        readiness(connector, conditions, observed),
        worker,
        restarts(connector));
  }

  /** Strimzi's automatic restarts of the connector; null when they are off. */
  static CaptureObservation.Restarts restarts(KafkaConnector connector) {
    var policy = connector.getSpec() == null ? null : connector.getSpec().getAutoRestart();
    if (policy == null || !policy.isEnabled()) {
      return null;
    }
    var status = connector.getStatus() == null ? null : connector.getStatus().getAutoRestart();
    java.time.Instant last = null;
    if (status != null && status.getLastRestartTimestamp() != null) {
      try {
        last = java.time.Instant.parse(status.getLastRestartTimestamp());
      } catch (java.time.format.DateTimeParseException unreadable) {
        // the count alone still says whether restarts are exhausted
      }
    }
    return new CaptureObservation.Restarts(
        status == null ? 0 : status.getCount(), policy.getMaxRestarts(), last);
  }

  private Observed<TransportObservation> transport(
      CdcPipeline pipeline, CdcPipelineSpec spec, Optional<Kafka> found) {
    String name = spec.getTransport().getCluster();
    ResourceReadiness resource =
        found
            .map(
                kafka ->
                    readiness(
                        kafka,
                        kafka.getStatus() == null ? List.of() : kafka.getStatus().getConditions(),
                        kafka.getStatus() == null
                            ? null
                            : kafka.getStatus().getObservedGeneration()))
            .orElse(ResourceReadiness.missing("Kafka", name));
    Observed<TransportObservation> probed = probes.kafka(pipeline);
    if (probed.seen()) {
      TransportObservation seen = probed.value();
      return Observed.of(
          new TransportObservation(
              name,
              seen.expectedBrokers(),
              seen.brokers(),
              seen.offlinePartitions(),
              seen.underReplicatedPartitions(),
              resource));
    }
    // The brokers do not answer: when Strimzi says why (no cluster, not ready), that is the news.
    if (!resource.exists() || !resource.ready()) {
      return Observed.of(
          new TransportObservation(
              name,
              spec.getTransport().getBrokers(),
              spec.getTransport().getBrokers(),
              List.of(),
              List.of(),
              resource));
    }
    return probed;
  }

  private Observed<ProcessingObservation> processing(
      CdcPipeline pipeline, CdcPipelineSpec spec, Optional<FlinkDeployment> found) {
    String name = spec.getProcessing().getFlinkDeployment();
    ProcessingObservation.Deployment deployment =
        found
            .map(PipelineObserver::deployment)
            .orElse(ProcessingObservation.Deployment.missing(name));
    Observed<ProcessingObservation> probed = probes.job(pipeline);
    if (probed.seen()) {
      return Observed.of(probed.value().withDeployment(deployment));
    }
    // The JobManager does not answer: when the operator says why, that is the news.
    boolean deploymentExplains =
        !deployment.exists()
            || !"READY".equals(deployment.jobManagerStatus())
            || !"STABLE".equals(deployment.lifecycleState());
    if (deploymentExplains) {
      String jobState =
          found
              .map(FlinkDeployment::getStatus)
              .map(FlinkDeploymentStatus::getJobStatus)
              .map(job -> job.getState() == null ? null : job.getState().name())
              .orElse(null);
      return Observed.of(
          new ProcessingObservation(
              spec.getProcessing().getJob(), jobState, null, null, 0, deployment));
    }
    return probed;
  }

  private static ProcessingObservation.Deployment deployment(FlinkDeployment flink) {
    FlinkDeploymentStatus status = flink.getStatus();
    long generation = generation(flink);
    if (status == null) {
      return new ProcessingObservation.Deployment(
          flink.getMetadata().getName(), true, "CREATED", "MISSING", "", generation, 0);
    }
    String lifecycle;
    try {
      lifecycle = status.getLifecycleState().name();
    } catch (RuntimeException unreadable) {
      lifecycle = "UNKNOWN";
    }
    return new ProcessingObservation.Deployment(
        flink.getMetadata().getName(),
        true,
        lifecycle,
        status.getJobManagerDeploymentStatus() == null
            ? "MISSING"
            : status.getJobManagerDeploymentStatus().name(),
        status.getError() == null ? "" : firstLine(status.getError()),
        generation,
        status.getObservedGeneration() == null ? generation : status.getObservedGeneration());
  }

  private static ResourceReadiness readiness(
      HasMetadata resource, List<Condition> conditions, Long observedGeneration) {
    boolean ready = false;
    String message = "no status yet";
    for (Condition condition : conditions == null ? List.<Condition>of() : conditions) {
      if ("Ready".equals(condition.getType()) && "True".equals(condition.getStatus())) {
        ready = true;
        message = "";
      } else if ("NotReady".equals(condition.getType()) || "Ready".equals(condition.getType())) {
        message =
            (condition.getReason() == null ? "" : condition.getReason() + ": ")
                + (condition.getMessage() == null ? "" : firstLine(condition.getMessage()));
      }
    }
    long generation = generation(resource);
    return new ResourceReadiness(
        resource.getKind(),
        resource.getMetadata().getName(),
        true,
        ready,
        message,
        generation,
        observedGeneration == null ? 0 : observedGeneration);
  }

  private static long generation(HasMetadata resource) {
    Long generation = resource.getMetadata().getGeneration();
    return generation == null ? 0 : generation;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  private static List<?> list(Object value) {
    return value instanceof List<?> list ? list : List.of();
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int newline = text.indexOf('\n');
    return (newline < 0 ? text : text.substring(0, newline)).strip();
  }
}
