package io.cdcplatform.operator;

import io.cdcplatform.health.FlinkProbe;
import io.cdcplatform.health.KafkaProbe;
import io.cdcplatform.health.Observed;
import io.cdcplatform.health.PostgresProbe;
import io.cdcplatform.health.ProbeException;
import io.cdcplatform.health.ProcessingObservation;
import io.cdcplatform.health.SinkObservation;
import io.cdcplatform.health.SourceObservation;
import io.cdcplatform.health.TransportObservation;
import io.cdcplatform.operator.api.CdcPipeline;
import io.cdcplatform.operator.api.CdcPipelineSpec;
import io.cdcplatform.operator.api.ResnapshotSpec;
import io.cdcplatform.pipeline.PipelineDefinition;
import io.cdcplatform.source.LostSlot;
import io.cdcplatform.source.SourceSetupException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The probes of pipeline-health, pointed at each CdcPipeline's endpoints with the credentials of
 * the Secrets it names. Probes are built once per pipeline and built again when an endpoint or a
 * Secret changes (a rotated password is picked up at the next look).
 */
final class NetworkProbes implements StageProbes {

  private record Probes(
      String fingerprint, PostgresProbe postgres, KafkaProbe kafka, FlinkProbe flink) {}

  private final KubernetesClient client;
  private final Map<String, Probes> probes = new HashMap<>();
  private final PipelineVerifications verifications;

  NetworkProbes(KubernetesClient client, java.nio.file.Path work) {
    this.client = client;
    this.verifications = new PipelineVerifications(client, work);
  }

  @Override
  public String verification(CdcPipeline pipeline, CdcPipelineSpec spec) {
    return verifications.look(pipeline, spec);
  }

  @Override
  public synchronized void retain(java.util.Set<String> keys) {
    verifications.retain(keys);
    for (String key : java.util.List.copyOf(probes.keySet())) {
      if (!keys.contains(key)) {
        probes.remove(key).kafka().close();
      }
    }
  }

  @Override
  public String releaseLostSlot(
      CdcPipeline pipeline, CdcPipelineSpec spec, java.util.Set<String> capturing) {
    String slot = spec.getSource().getSlot();
    return asCaptureRole(
        pipeline,
        spec,
        "releasing replication slot " + slot,
        (db, definition) -> {
          java.util.List<String> missing =
              new java.util.ArrayList<>(definition.capturedTableNames());
          missing.removeAll(capturing);
          if (!missing.isEmpty()) {
            throw new ProbeException(
                "connector "
                    + spec.getCapture().getConnector()
                    + " does not capture "
                    + String.join(", ", missing)
                    + " yet: the new snapshot waits for its configuration from the definition");
          }
          LostSlot.Released released = LostSlot.release(db, definition, slot);
          return "replication slot "
              + slot
              + " released: the new snapshot marked at LSN "
              + released.resnapshotLsn()
              + " in "
              + definition.source().heartbeat().qualified()
              + (released.sessionEnded() ? ", the session holding it ended" : "");
        });
  }

  @Override
  public java.util.OptionalLong resnapshotRequested(CdcPipeline pipeline, CdcPipelineSpec spec) {
    return asCaptureRole(
        pipeline,
        spec,
        "reading the heartbeat row",
        (db, definition) -> LostSlot.requested(db, definition));
  }

  /** What the capture role can do in the source, with the pipeline's definition. */
  private interface CaptureWork<T> {
    T apply(Connection db, PipelineDefinition definition) throws SQLException, SourceSetupException;
  }

  /** Runs {@code work} logged in as the capture role named by {@code spec.resnapshot}. */
  private <T> T asCaptureRole(
      CdcPipeline pipeline, CdcPipelineSpec spec, String doing, CaptureWork<T> work) {
    ResnapshotSpec wanted = spec.getResnapshot();
    String namespace = pipeline.getMetadata().getNamespace();
    Secret login = Secrets.get(client, namespace, wanted.getCredentialsSecret());
    PipelineDefinition definition =
        verifications.definition(
            namespace,
            wanted.getDefinitionConfigMap(),
            namespace + "/" + pipeline.getMetadata().getName() + "/resnapshot");
    try (Connection db =
        DriverManager.getConnection(
            SpecSettings.jdbcUrl(spec),
            Secrets.value(login, wanted.getUsernameKey()),
            Secrets.value(login, wanted.getPasswordKey()))) {
      return work.apply(db, definition);
    } catch (SQLException e) {
      throw new ProbeException(doing + " as the capture role: " + e.getMessage());
    } catch (SourceSetupException | IllegalArgumentException e) {
      throw new ProbeException(e.getMessage());
    }
  }

  @Override
  public Observed<SourceObservation> slot(CdcPipeline pipeline) {
    try {
      return probes(pipeline).postgres().observeSlot(spec(pipeline).getSource().getSlot());
    } catch (ProbeException e) {
      return Observed.failed(e.getMessage());
    }
  }

  @Override
  public Observed<TransportObservation> kafka(CdcPipeline pipeline) {
    try {
      CdcPipelineSpec spec = spec(pipeline);
      return probes(pipeline)
          .kafka()
          .observe(spec.getTransport().getCluster(), spec.getTransport().getBrokers());
    } catch (ProbeException e) {
      return Observed.failed(e.getMessage());
    }
  }

  @Override
  public Observed<ProcessingObservation> job(CdcPipeline pipeline) {
    Probes current;
    ProcessingObservation job;
    try {
      current = probes(pipeline);
      job = current.flink().job(0);
    } catch (ProbeException e) {
      return Observed.failed(e.getMessage());
    }
    return current.kafka().withConsumerLag(job, spec(pipeline).getProcessing().getConsumerGroup());
  }

  @Override
  public Observed<SinkObservation> freshness(CdcPipeline pipeline) {
    try {
      return probes(pipeline).postgres().observeFreshness();
    } catch (ProbeException e) {
      return Observed.failed(e.getMessage());
    }
  }

  private synchronized Probes probes(CdcPipeline pipeline) {
    CdcPipelineSpec spec = spec(pipeline);
    String namespace = pipeline.getMetadata().getNamespace();
    Secret database = Secrets.get(client, namespace, spec.getSource().getCredentialsSecret());
    Secret user = Secrets.get(client, namespace, spec.getTransport().getUser());
    Secret ca = Secrets.get(client, namespace, SpecSettings.caSecret(spec));
    String jdbcUrl = SpecSettings.jdbcUrl(spec);
    String fingerprint =
        String.join(
            "|",
            jdbcUrl,
            SpecSettings.bootstrapServers(spec),
            SpecSettings.flinkRestUrl(spec),
            spec.getProcessing().getJob(),
            SpecSettings.freshnessTable(spec),
            database.getMetadata().getResourceVersion(),
            user.getMetadata().getResourceVersion(),
            ca.getMetadata().getResourceVersion());
    String key = namespace + "/" + pipeline.getMetadata().getName();
    Probes current = probes.get(key);
    if (current != null && current.fingerprint().equals(fingerprint)) {
      return current;
    }
    if (current != null) {
      current.kafka().close();
    }
    Map<String, Object> kafka = new HashMap<>();
    kafka.put("bootstrap.servers", SpecSettings.bootstrapServers(spec));
    kafka.put("security.protocol", "SASL_SSL");
    kafka.put("sasl.mechanism", "SCRAM-SHA-512");
    kafka.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + spec.getTransport().getUser()
            + "\" password=\""
            + Secrets.value(user, "password")
            + "\";");
    kafka.put("ssl.truststore.type", "PEM");
    kafka.put("ssl.truststore.certificates", Secrets.value(ca, "ca.crt"));
    Probes built =
        new Probes(
            fingerprint,
            new PostgresProbe(
                jdbcUrl,
                Secrets.value(database, spec.getSource().getUsernameKey()),
                Secrets.value(database, spec.getSource().getPasswordKey()),
                SpecSettings.freshnessTable(spec)),
            new KafkaProbe(kafka),
            new FlinkProbe(SpecSettings.flinkRestUrl(spec), spec.getProcessing().getJob()));
    probes.put(key, built);
    return built;
  }

  private static CdcPipelineSpec spec(CdcPipeline pipeline) {
    try {
      return SpecSettings.spec(pipeline);
    } catch (SpecSettings.InvalidSpecException e) {
      throw new ProbeException(e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    verifications.close();
    probes.values().forEach(p -> p.kafka().close());
    probes.clear();
  }
}
