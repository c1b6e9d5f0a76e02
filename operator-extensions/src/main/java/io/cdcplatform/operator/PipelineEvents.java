package io.cdcplatform.operator;

import io.cdcplatform.operator.api.CdcPipeline;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a Kubernetes Event on the CdcPipeline for each condition that changed, with the
 * condition's reason and message: Normal when it became True, Warning otherwise.
 */
final class PipelineEvents {

  static final String COMPONENT = "cdc-pipeline-reconciler";

  private static final Logger LOG = LoggerFactory.getLogger(PipelineEvents.class);

  private final KubernetesClient client;

  PipelineEvents(KubernetesClient client) {
    this.client = client;
  }

  void changed(CdcPipeline pipeline, Condition condition, Instant now) {
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(pipeline.getMetadata().getName() + ".")
            .withNamespace(pipeline.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(pipeline.getApiVersion())
            .withKind(pipeline.getKind())
            .withName(pipeline.getMetadata().getName())
            .withNamespace(pipeline.getMetadata().getNamespace())
            .withUid(pipeline.getMetadata().getUid())
            .withResourceVersion(pipeline.getMetadata().getResourceVersion())
            .withFieldPath("status.conditions{" + condition.getType() + "}")
            .endInvolvedObject()
            .withType("True".equals(condition.getStatus()) ? "Normal" : "Warning")
            .withReason(condition.getReason())
            .withMessage(
                condition.getType()
                    + " is "
                    + condition.getStatus()
                    + ": "
                    + condition.getMessage())
            .withFirstTimestamp(time)
            .withLastTimestamp(time)
            .withCount(1)
            .withNewSource(COMPONENT, null)
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client
          .v1()
          .events()
          .inNamespace(pipeline.getMetadata().getNamespace())
          .resource(event)
          .create();
    } catch (KubernetesClientException e) {
      // An event is a courtesy: the condition on the status already says it.
      LOG.warn(
          "could not record event {} on {}: {}",
          condition.getReason(),
          pipeline.getMetadata().getName(),
          e.getMessage());
    }
  }
}
