package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * Re-snapshotting after PostgreSQL invalidated the replication slot ({@code wal_status = lost}),
 * done by the reconciler through the KafkaConnector: it stops the connector, marks the new snapshot
 * in the heartbeat row and drops the slot as the capture role, has Strimzi reset the connector's
 * offsets, and starts the connector again, which creates the slot and snapshots every captured
 * table (docs/pipeline-health.md, "Faults that heal by themselves").
 */
public class ResnapshotSpec extends SecretLogin {

  @Required
  @JsonPropertyDescription(
      "Secret in this namespace with the capture role's login (keys: usernameKey, passwordKey):"
          + " the role with REPLICATION that writes the heartbeat, which may drop the slot and"
          + " end its own sessions.")
  private String credentialsSecret;

  @Required
  @JsonPropertyDescription(
      "ConfigMap in this namespace holding the pipeline definition the job runs (pipeline.yaml):"
          + " its heartbeat table is where the new snapshot is marked.")
  private String definitionConfigMap;

  public String getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(String credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }

  public String getDefinitionConfigMap() {
    return definitionConfigMap;
  }

  public void setDefinitionConfigMap(String definitionConfigMap) {
    this.definitionConfigMap = definitionConfigMap;
  }
}
