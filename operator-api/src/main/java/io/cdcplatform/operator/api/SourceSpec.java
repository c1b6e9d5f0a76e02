package io.cdcplatform.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** The source database and its logical replication slot. */
public class SourceSpec extends SecretLogin {

  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription(
      "Host name of PostgreSQL, usually its Service, e.g. cdc-platform-postgres.")
  private String host;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of PostgreSQL. Default 5432.")
  private int port = 5432;

  @Required
  @JsonPropertyDescription("Database holding the captured tables and the analytics tables.")
  private String database;

  @Required
  @JsonPropertyDescription(
      "Secret in this namespace with the login the reconciler reads the slot and the freshness"
          + " table with (keys: usernameKey, passwordKey).")
  private String credentialsSecret;

  @Required
  @Pattern("^[a-z0-9_]{1,63}$")
  @JsonPropertyDescription("The logical replication slot Debezium streams from.")
  private String slot;

  @Required
  @JsonPropertyDescription("The publication Debezium captures.")
  private String publication;

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public int getPort() {
    return port;
  }

  public void setPort(int port) {
    this.port = port;
  }

  public String getDatabase() {
    return database;
  }

  public void setDatabase(String database) {
    this.database = database;
  }

  public String getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(String credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }

  public String getSlot() {
    return slot;
  }

  public void setSlot(String slot) {
    this.slot = slot;
  }

  public String getPublication() {
    return publication;
  }

  public void setPublication(String publication) {
    this.publication = publication;
  }
}
