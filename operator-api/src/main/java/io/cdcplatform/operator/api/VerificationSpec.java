package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/**
 * Continuous verification, run by the reconciler: at intervals, while writes go on, each analytics
 * table is compared with its oracle at one commit of the source that the job has provably passed
 * (docs/analytics.md, "Continuous verification").
 */
public class VerificationSpec extends SecretLogin {

  @Min(0)
  @Max(86400)
  @JsonPropertyDescription(
      "Seconds between the end of one round and the start of the next; 0: off." + " Default 30.")
  private int intervalSeconds = 30;

  @Required
  @JsonPropertyDescription(
      "Secret in this namespace with the verifier role's login (keys: usernameKey, passwordKey):"
          + " an ordinary role with REPLICATION that source setup and the analytics job grant"
          + " (cdc_verifier).")
  private String credentialsSecret;

  @Required
  @JsonPropertyDescription(
      "ConfigMap in this namespace holding the pipeline definition the job runs: pipeline.yaml and"
          + " the analytics' .sql files, whose oracles the rounds evaluate.")
  private String definitionConfigMap;

  @Min(1)
  @Max(60)
  @JsonPropertyDescription(
      "How long a round waits for the job's cut before it is recorded as missed. Default 8.")
  private int cutWaitSeconds = 8;

  public int getIntervalSeconds() {
    return intervalSeconds;
  }

  public void setIntervalSeconds(int intervalSeconds) {
    this.intervalSeconds = intervalSeconds;
  }

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

  public int getCutWaitSeconds() {
    return cutWaitSeconds;
  }

  public void setCutWaitSeconds(int cutWaitSeconds) {
    this.cutWaitSeconds = cutWaitSeconds;
  }
}
