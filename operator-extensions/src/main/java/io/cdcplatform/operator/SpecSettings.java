package io.cdcplatform.operator;

import io.cdcplatform.health.Slo;
import io.cdcplatform.health.SloSettings;
import io.cdcplatform.operator.api.CdcPipeline;
import io.cdcplatform.operator.api.CdcPipelineSpec;
import io.cdcplatform.operator.api.SloSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a CdcPipeline's spec into what the reconciler uses, with the defaults filled in. What the
 * CRD schema cannot guarantee (a spec written before the schema, or an unparseable SLO) comes out
 * as one {@link InvalidSpecException} naming the field.
 */
final class SpecSettings {

  /** A spec the reconciler cannot use; the message names the field and what was expected. */
  static final class InvalidSpecException extends Exception {
    InvalidSpecException(String message) {
      super(message);
    }
  }

  private SpecSettings() {}

  static Slo slo(CdcPipeline pipeline) throws InvalidSpecException {
    SloSpec slo = spec(pipeline).getSlo() == null ? new SloSpec() : spec(pipeline).getSlo();
    Map<String, String> settings = new LinkedHashMap<>();
    put(settings, SloSettings.MAX_FRESHNESS, slo.getMaxFreshness());
    put(settings, SloSettings.MAX_RETAINED_WAL, slo.getMaxRetainedWal());
    put(settings, SloSettings.MAX_CHECKPOINT_AGE, slo.getMaxCheckpointAge());
    settings.put(SloSettings.MAX_CONSUMER_LAG, String.valueOf(slo.getMaxConsumerLag()));
    try {
      return SloSettings.parse(settings);
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException("spec." + e.getMessage());
    }
  }

  /** The spec with every reference present, or the first one missing. */
  static CdcPipelineSpec spec(CdcPipeline pipeline) throws InvalidSpecException {
    CdcPipelineSpec spec = pipeline.getSpec();
    if (spec == null) {
      throw new InvalidSpecException(
          "spec: expected the pipeline's source, transport, capture and processing");
    }
    require(spec.getSource(), "spec.source");
    require(spec.getSource().getHost(), "spec.source.host");
    require(spec.getSource().getCredentialsSecret(), "spec.source.credentialsSecret");
    require(spec.getSource().getSlot(), "spec.source.slot");
    require(spec.getTransport(), "spec.transport");
    require(spec.getTransport().getCluster(), "spec.transport.cluster");
    require(spec.getTransport().getUser(), "spec.transport.user");
    require(spec.getCapture(), "spec.capture");
    require(spec.getCapture().getConnector(), "spec.capture.connector");
    require(spec.getProcessing(), "spec.processing");
    require(spec.getProcessing().getFlinkDeployment(), "spec.processing.flinkDeployment");
    if (spec.getVerification() != null && spec.getVerification().getIntervalSeconds() > 0) {
      require(spec.getVerification().getCredentialsSecret(), "spec.verification.credentialsSecret");
      require(
          spec.getVerification().getDefinitionConfigMap(), "spec.verification.definitionConfigMap");
    }
    return spec;
  }

  /** The source database, the analytics tables' too. */
  static String jdbcUrl(CdcPipelineSpec spec) {
    return "jdbc:postgresql://"
        + spec.getSource().getHost()
        + ":"
        + spec.getSource().getPort()
        + "/"
        + spec.getSource().getDatabase()
        + "?sslmode=prefer";
  }

  static String bootstrapServers(CdcPipelineSpec spec) {
    String configured = spec.getTransport().getBootstrapServers();
    return configured == null || configured.isBlank()
        ? spec.getTransport().getCluster() + "-kafka-bootstrap:9093"
        : configured;
  }

  static String caSecret(CdcPipelineSpec spec) {
    String configured = spec.getTransport().getCaSecret();
    return configured == null || configured.isBlank()
        ? spec.getTransport().getCluster() + "-cluster-ca-cert"
        : configured;
  }

  static String flinkRestUrl(CdcPipelineSpec spec) {
    String configured = spec.getProcessing().getRestUrl();
    return configured == null || configured.isBlank()
        ? "http://" + spec.getProcessing().getFlinkDeployment() + "-rest:8081"
        : configured;
  }

  static String freshnessTable(CdcPipelineSpec spec) {
    return spec.getSink() == null || spec.getSink().getFreshnessTable() == null
        ? "analytics.freshness"
        : spec.getSink().getFreshnessTable();
  }

  private static void put(Map<String, String> settings, String key, String value) {
    if (value != null) {
      settings.put(key, value);
    }
  }

  private static void require(Object value, String field) throws InvalidSpecException {
    if (value == null || (value instanceof String text && text.isBlank())) {
      throw new InvalidSpecException(field + ": required, missing");
    }
  }
}
