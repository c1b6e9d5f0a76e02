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
public class VerificationSpec {

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

  @JsonPropertyDescription("Key of the user name in credentialsSecret. Default username.")
  private String usernameKey = "username";

  @JsonPropertyDescription("Key of the password in credentialsSecret. Default password.")
  private String passwordKey = "password";

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

  public String getUsernameKey() {
    return usernameKey;
  }

  public void setUsernameKey(String usernameKey) {
    this.usernameKey = usernameKey;
  }

  public String getPasswordKey() {
    return passwordKey;
  }

  public void setPasswordKey(String passwordKey) {
    this.passwordKey = passwordKey;
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
